/** `tsfine uninstall [--user|--sys-prefix|--prefix DIR] [--name N]`. */
import { uninstallKernelspec } from "../kernelspec";
import { parseArgs } from "node:util";
import { parsingArgs } from "./args";
import { LOCATION_OPTIONS, locationFrom } from "./install";

export async function run(args: string[]): Promise<number> {
  const { values } = parsingArgs(() => parseArgs({ args, options: LOCATION_OPTIONS }));
  const dir = await uninstallKernelspec({ location: locationFrom(values), name: values.name });
  if (!dir) {
    process.stderr.write(`No kernelspec named ${values.name ?? "tsfine"} there; nothing removed.\n`);
    return 1;
  }
  process.stdout.write(`Removed ${dir}\n`);
  return 0;
}
