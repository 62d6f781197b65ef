/**
 * The one declaration each magic makes (like IPython's magic_arguments): its name, kind,
 * summary and arguments. Usage lines, `%name?` help, validation and completion all come
 * from it.
 */

export type MagicKind = "line" | "cell" | "both";

/** How an argument's text is read. */
export type ArgType =
  /** Any text. */
  | "string"
  | "int"
  | "float"
  /** A new variable name (`--as VAR`): must be a valid identifier. */
  | "name"
  /** A value in the notebook: `model`, `data.test`; inserted as code. */
  | "ref";

export interface PositionalDeclaration {
  /** Key in the parsed arguments; shown upper-cased in the usage line. */
  name: string;
  type?: ArgType;
  help?: string;
  optional?: boolean;
  /** Collects every remaining positional into an array. */
  rest?: boolean;
  choices?: string[];
}

export interface FlagDeclaration {
  /** Long name without dashes, kebab-case: "per-class" (read back as `perClass`). */
  name: string;
  /** One-letter alias: "n" for `-n`. */
  short?: string;
  /** "bool" flags take no value. */
  type?: ArgType | "bool";
  /** Placeholder in the usage line: `--epochs N`. */
  metavar?: string;
  help?: string;
  default?: string | number | boolean;
  choices?: string[];
  required?: boolean;
}

export interface MagicDeclaration {
  name: string;
  kind: MagicKind;
  /** One line, shown by %lsmagic, %magic and completion. */
  summary: string;
  /** Longer help shown by `%name?`. */
  details?: string;
  positionals?: PositionalDeclaration[];
  flags?: FlagDeclaration[];
  /**
   * Everything after the leading flags is TypeScript source, not shell-like words
   * (`%timeit -n 10 xs.map(f)`): available as `values[rawTail.name]`.
   */
  rawTail?: { name: string; help: string; optional?: boolean };
  examples?: string[];
}

export type ArgValue = string | number | boolean | string[];

/** Arguments after parsing and validation against a declaration. */
export interface MagicArgs {
  /** The text after the magic's name, untouched. */
  text: string;
  /** Values by key (flags camelCased: `per-class` → `perClass`), defaults applied. */
  values: Record<string, ArgValue | undefined>;
  /**
   * A TypeScript expression for each value: a literal for plain values, the user's code
   * for `{expr}` interpolation (whose static value in `values` is the raw text).
   */
  code: Record<string, string | undefined>;
  /** Keys the user wrote (as opposed to defaults). */
  given: Set<string>;
}

/** Where the magic stands: its own line, or the value of `const x = %name ...`. */
export type MagicPosition = "statement" | "expression";

export interface ExpandContext {
  position: MagicPosition;
  /** The cell's body for cell magics (everything after the `%%name` line). */
  body?: string;
  host: import("./host").MagicHost;
  /** Every magic known at expansion time (built-in and registered by packages). */
  magics(): MagicDefinition[];
  /** Expands another piece of cell source (for %expand and `%name??`). */
  expandNested(code: string): Promise<{ ok: true; code: string } | { ok: false; message: string }>;
}

export type ExpansionResult = string | { code: string; payload?: Payload[] };

/**
 * Jupyter payloads carried back with an expansion (e.g. %load's set_next_input). A type alias, not
 * an interface, so it is assignable to the kernel's payload entries (any JSON object).
 */
export type SetNextInputPayload = {
  source: "set_next_input";
  text: string;
  replace: boolean;
};
export type Payload = SetNextInputPayload;

/** A magic the kernel knows at expansion time (built-in, or registered by a package). */
export interface MagicDefinition extends MagicDeclaration {
  /** The cell body is TypeScript to run (%%time, %%timeit): its own line magics are expanded first. */
  bodyIsCode?: boolean;
  expand(args: MagicArgs, context: ExpandContext): ExpansionResult | Promise<ExpansionResult>;
}

/** What `tsfine.registerMagic(spec)` and `registerMagic(spec)` accept. */
export interface UserMagicSpec extends Partial<Omit<MagicDeclaration, "name" | "summary">> {
  name: string;
  summary?: string;
  /** Same as summary (the kernel's tsfine.registerMagic calls it help). */
  help?: string;
  /** Returns TypeScript source; `args.text` is the raw text when no arguments are declared. */
  expand(args: MagicArgs, body?: string): string | Promise<string>;
}

/** Thrown for anything the user wrote wrong; the message is shown as is. */
export class MagicUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MagicUsageError";
  }
}

export function flagKey(flagName: string): string {
  return flagName.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
