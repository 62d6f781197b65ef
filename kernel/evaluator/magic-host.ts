/**
 * What magics/ may ask of the kernel while expanding a cell. The evaluator implements it;
 * magics/ imports only this interface, so the arrow stays kernel → magics.
 */
export interface MagicHost {
  /** Cells run so far in this session, oldest first. */
  history(): Array<{ executionCount: number; code: string }>;
  /** The notebook's folder (where imports and relative paths resolve). */
  cwd(): string;
  /** Expand a magic registered at runtime with `tsfine.registerMagic`; resolves to TypeScript source. */
  expandUserMagic(name: string, argsText: string): Promise<string>;
  /** Names of magics registered at runtime with `tsfine.registerMagic`. */
  userMagicNames(): string[];
}

/** What a cell passes to `tsfine.registerMagic(spec)`. */
export interface UserMagicSpec {
  name: string;
  /** One line shown by `%name?` and in completion. */
  help?: string;
  /** Turns the text after `%name` into TypeScript source (runs in the runtime worker). */
  expand(argsText: string): string | Promise<string>;
}
