/** `tsfine run NOTEBOOK.ipynb [-o OUT] [-p name=value]... [--timeout S] [--kernel NAME]`: exit 1 when a cell fails. */
import { parseArgs } from "node:util";
import { parseParameter } from "../parameters";
import { runNotebook } from "../runner";
import { parsingArgs, UsageError } from "./args";

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parsingArgs(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        parameter: { type: "string", short: "p", multiple: true },
        timeout: { type: "string" },
        kernel: { type: "string", short: "k" },
      },
    }),
  );
  if (positionals.length !== 1) throw new UsageError("usage: tsfine run NOTEBOOK.ipynb [-o OUT] [-p name=value]... [--timeout S] [--kernel NAME]");
  const timeoutSec = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSec !== undefined && !(timeoutSec > 0)) throw new UsageError(`--timeout takes a number of seconds, got "${values.timeout}".`);
  const parameters = Object.fromEntries((values.parameter ?? []).map(parseParameter));

  const result = await runNotebook({ input: positionals[0], output: values.output, parameters, timeoutSec, kernelName: values.kernel });
  if (result.failure) {
    const { index, ename, evalue, traceback } = result.failure;
    process.stderr.write(`Cell ${index + 1} failed: ${ename}: ${evalue}\n${traceback.join("\n")}\n`);
    process.stderr.write(`Wrote ${result.outputPath} (stopped at the failing cell).\n`);
    return 1;
  }
  process.stdout.write(`Executed ${result.executedCells} cells; wrote ${result.outputPath}\n`);
  return 0;
}
