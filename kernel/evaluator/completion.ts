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
  const signatures = signaturesOf(service, position, entries.slice(0, DETAILED_ENTRIES));
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

/** The part of TypeScript's services that getCompletionEntryDetails uses to describe a symbol (on the ts object, not in its typings). */
interface SymbolDisplay {
  getSymbolDisplayPartsDocumentationAndSymbolKind(
    checker: ts.TypeChecker,
    symbol: ts.Symbol,
    sourceFile: ts.SourceFile,
    enclosingDeclaration: ts.Node | undefined,
    location: ts.Node,
    semanticMeaning: number,
  ): { displayParts: ts.SymbolDisplayPart[] };
}

/** SemanticMeaning.All: what getCompletionEntryDetails asks for. */
const ALL_MEANINGS = 7;

/**
 * The signatures getCompletionEntryDetails would give, without its cost: it looks each entry's symbol
 * up again by recomputing the whole completion list (for `tf.`, 20 entries × 500 members took 80 of
 * 120 ms). The entries carry their symbols (includeSymbol), so the same description is made from them
 * directly, with the node at the cursor as getCompletionData finds it for a .ts file. Entries without
 * a symbol (keywords, literals), or a TypeScript without these internals, take the slow path.
 */
function signaturesOf(service: CellLanguageService, position: number, entries: ts.CompletionEntry[]): string[] {
  const typescript = service.typescript as TS & { SymbolDisplay?: SymbolDisplay; getTouchingPropertyName?: (file: ts.SourceFile, position: number) => ts.Node };
  const program = entries.some((entry) => entry.symbol) ? service.languageService.getProgram() : undefined;
  const sourceFile = program?.getSourceFile(service.fileName);
  const location = sourceFile && typescript.getTouchingPropertyName?.(sourceFile, position);
  const describe = typescript.SymbolDisplay?.getSymbolDisplayPartsDocumentationAndSymbolKind;
  return entries.map((entry) => {
    if (program && sourceFile && location && describe && entry.symbol && !entry.source && !entry.data) {
      const { displayParts } = describe(program.getTypeChecker(), entry.symbol, sourceFile, location, location, ALL_MEANINGS);
      return displayParts.map((part) => part.text).join("");
    }
    return signatureOf(service, position, entry);
  });
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
