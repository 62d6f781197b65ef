/** `tsfine demo DIR [-o SITE]`: a static page to try a model written by tl.export. */
import { parseArgs } from "node:util";
import { writeDemoSite } from "../../tl/export/demo-site";
import { UsageError, parsingArgs } from "./args";

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parsingArgs(() => parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" } } }));
  if (positionals.length !== 1) throw new UsageError("give one folder written by tl.export: tsfine demo DIR [-o SITE]");
  const site = writeDemoSite(positionals[0], values.output);
  process.stdout.write(`Wrote ${site.files.join(", ")} to ${site.folder}\nOpen ${site.page} in a browser, or serve the folder from any static host.\n`);
  return 0;
}
