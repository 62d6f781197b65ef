/**
 * What magics/ may ask of the kernel while expanding a cell. The evaluator implements it;
 * magics/ owns the interface so that imports point kernel → magics.
 */
export interface MagicHost {
  /** Cells run so far in this session, oldest first. */
  history(): Array<{ executionCount: number; code: string }>;
  /** The notebook's folder: relative paths in %run, %load resolve from here. */
  cwd(): string;
  /**
   * Expand a magic registered at runtime with `tsfine.registerMagic` (it lives in the
   * runtime worker: forward to `magicsRuntime.expandUserMagic`). Rejects with an Error whose
   * message is shown to the user as is.
   */
  expandUserMagic(name: string, argsText: string, body?: string): Promise<string>;
  /** Names of magics registered at runtime with `tsfine.registerMagic`. */
  userMagicNames(): string[];
}
