/**
 * Where magics are looked up by name. Built-ins register at start-up; packages add theirs
 * with `registerMagic(spec)` (main thread, known to expandCell and completion); magics a
 * cell registers with `tsfine.registerMagic` live in the runtime worker's own registry.
 */
import { MagicArgs, MagicDefinition, MagicUsageError, UserMagicSpec } from "./declaration";
import { parseArguments } from "./arguments";

export class MagicRegistry {
  private readonly byName = new Map<string, MagicDefinition>();

  add(definition: MagicDefinition): void {
    if (!/^[A-Za-z_][\w]*$/.test(definition.name)) {
      throw new MagicUsageError(`Magic names are letters, digits and _: ${JSON.stringify(definition.name)} is not one.`);
    }
    this.byName.set(definition.name, definition);
  }

  get(name: string): MagicDefinition | undefined {
    return this.byName.get(name);
  }

  all(): MagicDefinition[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  names(): string[] {
    return this.all().map((m) => m.name);
  }
}

/** Turns what a user or package passes to registerMagic into a full definition. */
export function definitionFromSpec(spec: UserMagicSpec): MagicDefinition {
  return {
    kind: "line",
    ...spec,
    summary: spec.summary ?? spec.help ?? `User magic %${spec.name}.`,
    expand: (args: MagicArgs, context) => spec.expand(args, context.body),
  };
}

/** Parses `argsText` against the spec's declaration and runs its expand (used by the runtime registry). */
export async function expandWithSpec(spec: UserMagicSpec, argsText: string, body?: string): Promise<string> {
  const definition = definitionFromSpec(spec);
  const declared = Boolean(spec.positionals?.length || spec.flags?.length || spec.rawTail);
  const args: MagicArgs = declared
    ? parseArguments(definition, argsText, body === undefined ? "%" : "%%")
    : { text: argsText, values: {}, code: {}, given: new Set() };
  const code = await spec.expand(args, body);
  if (typeof code !== "string") throw new MagicUsageError(`%${spec.name}'s expand() must return TypeScript source as a string.`);
  return code;
}

/** Magics added by packages; looked up after the built-ins. */
export const packageRegistry = new MagicRegistry();

/** For packages: makes `%name` available in every notebook of this kernel. */
export function registerMagic(spec: UserMagicSpec): void {
  packageRegistry.add(definitionFromSpec(spec));
}
