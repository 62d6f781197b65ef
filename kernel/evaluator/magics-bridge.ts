import type { MagicHost } from "./magic-host";
import { requireBuilt } from "./tsfine-root";

export type Expansion = { ok: true; code: string; payload?: Record<string, unknown>[] } | { ok: false; message: string };

export interface MagicCompletion {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
}

interface MagicsModule {
  expandCell?(code: string, host: MagicHost): Promise<Expansion>;
  completeMagic?(code: string, cursorPos: number, userMagicNames?: string[]): MagicCompletion | undefined;
  inspectMagic?(code: string, cursorPos: number): string | undefined;
}

/** A line that may be IPython's `!command` (magics/scanner.ts decides). */
const SHELL_LINE = /^[ \t]*!/m;

let magics: MagicsModule | undefined | null = null;

function magicsModule(): MagicsModule | undefined {
  if (magics === null) magics = requireBuilt<MagicsModule>("magics/index");
  return magics;
}

/** Expands `%magic`s through magics/ (which returns the cell unchanged when it has none); without magics/ built, cells pass through. */
export async function expandMagics(code: string, host: MagicHost): Promise<Expansion> {
  if (!code.includes("%") && !SHELL_LINE.test(code)) return { ok: true, code }; // no magic can hide in a cell without a % or a !cmd line
  const expand = magicsModule()?.expandCell;
  if (!expand) return { ok: true, code };
  return expand(code, host);
}

/** Completion of magic names and flags; undefined outside a magic. */
export function completeMagic(code: string, cursorPos: number, userMagicNames: string[]): MagicCompletion | undefined {
  if (!code.includes("%")) return undefined;
  return magicsModule()?.completeMagic?.(code, cursorPos, userMagicNames) ?? undefined;
}

/** Help for the magic under the cursor; undefined outside a magic. */
export function inspectMagic(code: string, cursorPos: number): string | undefined {
  if (!code.includes("%")) return undefined;
  return magicsModule()?.inspectMagic?.(code, cursorPos) ?? undefined;
}
