/**
 * Magics a cell registers with `tsfine.registerMagic(spec)`. They live here, in the runtime
 * worker, because their expand functions are the user's code; the main thread knows their
 * names and asks for expansions (MagicHost.expandUserMagic → expandUserMagic below).
 */
import { UserMagicSpec } from "../declaration";
import { helpText } from "../arguments";
import { definitionFromSpec, expandWithSpec } from "../registry";

const specs = new Map<string, UserMagicSpec>();

export function registerMagic(spec: UserMagicSpec): void {
  if (!spec || typeof spec.name !== "string" || !/^[A-Za-z_]\w*$/.test(spec.name)) {
    throw new Error('registerMagic needs a name made of letters, digits and _ (like { name: "hello", expand: (args) => ... }).');
  }
  if (typeof spec.expand !== "function") throw new Error(`registerMagic: %${spec.name} needs an expand(args, body) function that returns TypeScript source.`);
  specs.set(spec.name, spec);
}

export function userMagicNames(): string[] {
  return [...specs.keys()].sort();
}

export function userMagicKind(name: string): "line" | "cell" | "both" | undefined {
  const spec = specs.get(name);
  return spec ? (spec.kind ?? "line") : undefined;
}

export async function expandUserMagic(name: string, argsText: string, body?: string): Promise<string> {
  const spec = specs.get(name);
  if (!spec) throw new Error(`Unknown magic %${name}. (%lsmagic lists them)`);
  const kind = spec.kind ?? "line";
  if (body !== undefined && kind === "line") throw new Error(`%${name} is a line magic: write %${name} ... on a line of its own (one %).`);
  if (body === undefined && kind === "cell") throw new Error(`%%${name} is a cell magic: put %%${name} on the first line of the cell.`);
  return expandWithSpec(spec, argsText, body);
}

export function printUserMagicHelp(name: string): void {
  const spec = specs.get(name);
  console.log(spec ? helpText(definitionFromSpec(spec)) : `%${name}: registered in this session with tsfine.registerMagic; it declares no help.`);
}
