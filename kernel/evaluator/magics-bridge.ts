import type { ExpandOutcome, MagicCompletion, MagicHost } from "../../magics";

/**
 * magics/ as the evaluator uses it. Loaded on the first cell or completion that can hold a magic
 * (a `%`, or a `!cmd` line), not at start-up; typed by the module itself, so a rename in magics/
 * fails tsc here.
 */
type Magics = typeof import("../../magics");

/** A line that may be IPython's `!command` (magics/scanner.ts decides). */
const SHELL_LINE = /^[ \t]*!/m;

let magics: Magics | undefined;

function magicsModule(): Magics {
  if (!magics) {
    try {
      magics = require("../../magics") as Magics;
    } catch (error) {
      // A missing or broken magics/ must not let `%fit …` reach the type checker as TypeScript.
      throw new Error(`tsfine's magics could not be loaded (${(error as Error)?.message ?? error}); rebuild tsfine (npm run build) or reinstall it.`, {
        cause: error,
      });
    }
  }
  return magics;
}

/** Expands `%magic`s and `!cmd` lines through magics/ (which returns the cell unchanged when it has none); a cell error when magics/ cannot load. */
export async function expandMagics(code: string, host: MagicHost): Promise<ExpandOutcome> {
  if (!code.includes("%") && !SHELL_LINE.test(code)) return { ok: true, code }; // no magic can hide in a cell without a % or a !cmd line
  let module: Magics;
  try {
    module = magicsModule();
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  return module.expandCell(code, host);
}

/** Completion of magic names and flags; undefined outside a magic. */
export function completeMagic(code: string, cursorPos: number, userMagicNames: string[]): MagicCompletion | undefined {
  if (!code.includes("%")) return undefined;
  return magicsModule().completeMagic(code, cursorPos, userMagicNames);
}

/** Help for the magic under the cursor; undefined outside a magic. */
export function inspectMagic(code: string, cursorPos: number): string | undefined {
  if (!code.includes("%")) return undefined;
  return magicsModule().inspectMagic(code, cursorPos);
}
