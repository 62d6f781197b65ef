import type * as ts from "typescript";
import type { CompleteReply } from "../interpreter";
import type { CellLanguageService } from "./cell-language-service";
import { codePointToUtf16, utf16ToCodePoint } from "./code-points";

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
  reply.metadata = {
    _jupyter_types_experimental: entries.map((entry, index) => ({
      start: reply.cursorStart,
      end: reply.cursorEnd,
      text: entry.insertText ?? entry.name,
      type: entry.kind,
      signature: index < DETAILED_ENTRIES ? signatureOf(service, position, entry) : "",
    })),
  };
  return reply;
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

function signatureOf(service: CellLanguageService, position: number, entry: ts.CompletionEntry): string {
  const details = service.languageService.getCompletionEntryDetails(service.fileName, position, entry.name, undefined, entry.source, undefined, entry.data);
  return details ? details.displayParts.map((part) => part.text).join("") : "";
}
