/**
 * What magics/ may ask of the kernel while expanding a cell. The evaluator implements it;
 * magics/ imports only this interface, so the arrow stays kernel → magics.
 */
export interface MagicHost {
  /** Cells run so far in this session, oldest first. */
  history(): Array<{ executionCount: number; code: string }>;
  /** The notebook's folder (where imports and relative paths resolve). */
  cwd(): string;
  /** Expand a magic registered at runtime with `tsfine.registerMagic` (asks the runtime worker); resolves to TypeScript source. */
  expandUserMagic(name: string, argsText: string, body?: string): Promise<string>;
  /** Names of magics registered at runtime with `tsfine.registerMagic`. */
  userMagicNames(): string[];
}

/**
 * What a cell passes to `tsfine.registerMagic(spec)` when magics/ is not built (then `args.text`
 * is the text after `%name`); with magics/ built its richer UserMagicSpec applies.
 */
export interface UserMagicSpec {
  name: string;
  /** One line shown by `%name?` and in completion. */
  help?: string;
  expand(args: { text: string }, body?: string): string | Promise<string>;
}
