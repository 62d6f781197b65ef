import type { MagicHost } from "./magic-host";
import { requireBuilt } from "./tsfine-root";

type Expansion = { ok: true; code: string } | { ok: false; message: string };

interface MagicsModule {
  expandCell?(code: string, host: MagicHost): Promise<Expansion>;
  completeMagic?(code: string, cursorPos: number): { matches: string[]; cursorStart: number; cursorEnd: number } | undefined | null;
}

let magics: MagicsModule | undefined | null = null;

function magicsModule(): MagicsModule | undefined {
  if (magics === null) magics = requireBuilt<MagicsModule>("magics/index");
  return magics;
}

const MAGIC_LINE = /^\s*%/m;

/** Expands `%magic` lines through magics/ (when built); cells without any `%` line pass through untouched. */
export async function expandMagics(code: string, host: MagicHost): Promise<Expansion> {
  if (!MAGIC_LINE.test(code)) return { ok: true, code };
  const expand = magicsModule()?.expandCell;
  if (!expand) return { ok: false, message: "magics are not available: tsfine's magics/ module is not built." };
  return expand(code, host);
}

export function completeMagic(code: string, cursorPos: number): { matches: string[]; cursorStart: number; cursorEnd: number } | undefined {
  if (!MAGIC_LINE.test(code)) return undefined;
  return magicsModule()?.completeMagic?.(code, cursorPos) ?? undefined;
}
