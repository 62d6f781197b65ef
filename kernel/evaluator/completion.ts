import type * as ts from "typescript";
import type { CompleteReply } from "../interpreter";
import type { CellLanguageService } from "./cell-language-service";
import { codePointToUtf16, utf16ToCodePoint } from "./code-points";
import type { TS } from "./typescript-loader";

/** Entries that get a signature in `_jupyter_types_experimental` (details cost a lookup each). */
const DETAILED_ENTRIES = 20;

/** Completions at the cursor from the language service: members, globals, earlier cells' names, package exports. */
export function completeAt(service: CellLanguageService, code: string, cursorPos: number): CompleteReply {
  const cursor = codePointToUtf16(code, cursorPos);
  service.setCell(code);
  const prefixStart = identifierStart(code, cursor);
  const position = service.offset + cursor;
  const completions = service.languageService.getCompletionsAtPosition(service.fileName, position, {
    includeCompletionsWithInsertText: true,
    includeCompletionsForModuleExports: false,
    // each entry's symbol, so signatures need not look it up again (see signaturesOf)
    includeSymbol: true,
  });
  const reply: CompleteReply = { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos, metadata: {} };
  if (!completions) return reply;

  let start = prefixStart;
  let end = cursor;
  const span = completions.optionalReplacementSpan;
  if (span && span.start >= service.offset) {
    start = span.start - service.offset;
    end = Math.max(cursor, span.start + span.length - service.offset);
  }
  const typed = code.slice(start, cursor).replace(/^["']/, "");
  const entries = completions.entries
    .filter((entry) => matchesPrefix(entry.name, typed))
    .sort((a, b) => rank(a, typed) - rank(b, typed) || a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));

  reply.matches = entries.map((entry) => entry.insertText ?? entry.name);
  reply.cursorStart = utf16ToCodePoint(code, start);
  reply.cursorEnd = utf16ToCodePoint(code, end);
  const signatures = signaturesOf(service, entries.slice(0, DETAILED_ENTRIES));
  reply.metadata = {
    _jupyter_types_experimental: entries.map((entry, index) => ({
      start: reply.cursorStart,
      end: reply.cursorEnd,
      text: entry.insertText ?? entry.name,
      type: entry.kind,
      signature: signatures[index] ?? "",
    })),
  };
  return reply;
}

/**
 * Each entry's type as the checker writes it (`(x: number) => number`, `Tensor<R>`), from the symbol the
 * entry carries (includeSymbol). Not getCompletionEntryDetails's description (`(method) Math.floor(…)`):
 * qualifying a name makes TypeScript search every module of the program for it, and a cell edited since
 * the last request has a new checker, so with tf's ~650 declaration modules that search cost 27 ms for
 * `Math.fl` and 125 ms for `tf.ten`'s 12 entries on every keystroke (0.7 and 14 ms this way).
 */
function signaturesOf(service: CellLanguageService, entries: ts.CompletionEntry[]): string[] {
  const typescript = service.typescript;
  const checker = entries.some((entry) => entry.symbol) ? service.languageService.getProgram()?.getTypeChecker() : undefined;
  return entries.map((entry) => (checker && entry.symbol ? typeOfSymbol(typescript, checker, entry.symbol) : ""));
}

function typeOfSymbol(typescript: TS, checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const target = symbol.flags & typescript.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  // an interface or type alias has no value: its own type is what it names
  const type = target.flags & typescript.SymbolFlags.Value ? checker.getTypeOfSymbol(target) : checker.getDeclaredTypeOfSymbol(target);
  return checker.typeToString(type);
}

function identifierStart(code: string, cursor: number): number {
  let start = cursor;
  while (start > 0 && /[\p{L}\p{N}_$]/u.test(code[start - 1])) start--;
  return start;
}

function matchesPrefix(name: string, typed: string): boolean {
  return typed === "" || name.toLowerCase().startsWith(typed.toLowerCase());
}

function rank(entry: ts.CompletionEntry, typed: string): number {
  return entry.name.startsWith(typed) ? 0 : 1;
}
