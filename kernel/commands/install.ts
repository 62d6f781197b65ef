/** `tsfine install [--user|--sys-prefix|--prefix DIR] [--name N] [--display-name S]` (default --user). */
import { installKernelspec, KernelspecLocation } from "../kernelspec";
import { parseArgs } from "node:util";
import { parsingArgs, UsageError } from "./args";

export const LOCATION_OPTIONS = {
  user: { type: "boolean" },
  "sys-prefix": { type: "boolean" },
  prefix: { type: "string" },
  name: { type: "string" },
} as const;

export function locationFrom(values: { user?: boolean; "sys-prefix"?: boolean; prefix?: string }): KernelspecLocation {
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("Choose one of --user, --sys-prefix and --prefix DIR.");
  if (values.prefix !== undefined) return { kind: "prefix", dir: values.prefix };
  if (values["sys-prefix"]) return { kind: "sys-prefix" };
  return { kind: "user" };
}

export async function run(args: string[]): Promise<number> {
  const { values } = parsingArgs(() => parseArgs({ args, options: { ...LOCATION_OPTIONS, "display-name": { type: "string" } } }));
  const dir = await installKernelspec({ location: locationFrom(values), name: values.name, displayName: values["display-name"] });
  process.stdout.write(`Installed kernelspec ${values.name ?? "tsfine"} in ${dir}\n`);
  return 0;
}
