/** The global symbol (Symbol.for) under which the runtime worker keeps the debugger's helpers (debug-helpers.ts). */
export const DEBUG_HELPERS_KEY = "tsfine.debugHelpers";
