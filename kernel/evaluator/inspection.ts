import type * as ts from "typescript";
import type { InspectReply } from "../interpreter";
import type { CellLanguageService } from "./cell-language-service";
import { codePointToUtf16 } from "./code-points";

/** Signature and JSDoc of the symbol at (or just before) the cursor; detail 1 adds where and how it is declared. */
export function inspectAt(service: CellLanguageService, code: string, cursorPos: number, detailLevel: 0 | 1): InspectReply {
  const cursor = codePointToUtf16(code, cursorPos);
  service.setCell(code);
  const ls = service.languageService;
  const candidates = [cursor, cursor - 1, identifierEndBefore(code, cursor)].filter((offset) => offset >= 0);
  let info: ts.QuickInfo | undefined;
  let at = cursor;
  for (const offset of candidates) {
    info = ls.getQuickInfoAtPosition(service.fileName, service.offset + offset);
    // A name nothing declares still gets quick info: kind "" and the type `any`.
    if (info?.kind === "") info = undefined;
    at = offset;
    if (info) break;
  }
  if (!info) return { found: false, data: {}, metadata: {} };

  const signature = text(info.displayParts);
  const documentation = text(info.documentation);
  const tags = (info.tags ?? []).map((tag) => `@${tag.name}${tag.text ? ` ${text(tag.text)}` : ""}`);
  const plain = [signature, documentation, ...tags].filter(Boolean);
  const markdown = ["```typescript", signature, "```", documentation, tags.map((tag) => `*${tag}*`).join("  \n")].filter(Boolean);

  if (detailLevel === 1) {
    const source = declarationSource(service, service.offset + at);
    if (source) {
      plain.push(`Declared in ${source.where}:`, source.text);
      markdown.push(`Declared in \`${source.where}\`:`, "```typescript", source.text, "```");
    }
  }
  return { found: true, data: { "text/plain": plain.join("\n\n"), "text/markdown": markdown.join("\n\n") }, metadata: {} };
}

function text(parts: ts.SymbolDisplayPart[] | undefined): string {
  return (parts ?? []).map((part) => part.text).join("");
}

function identifierEndBefore(code: string, cursor: number): number {
  let end = cursor;
  while (end > 0 && !/[\p{L}\p{N}_$]/u.test(code[end - 1])) end--;
  return end - 1;
}

const MAX_SOURCE_LINES = 40;

function declarationSource(service: CellLanguageService, position: number): { where: string; text: string } | undefined {
  const definition = service.languageService.getDefinitionAtPosition(service.fileName, position)?.[0];
  if (!definition) return undefined;
  const program = service.languageService.getProgram();
  const file = program?.getSourceFile(definition.fileName);
  if (!file) return undefined;
  const span = definition.contextSpan ?? definition.textSpan;
  const lines = file.text.slice(span.start, span.start + span.length).split("\n");
  const body = lines.length > MAX_SOURCE_LINES ? [...lines.slice(0, MAX_SOURCE_LINES), "…"] : lines;
  const where = definition.fileName === service.fileName ? "an earlier cell" : definition.fileName;
  return { where, text: body.join("\n") };
}
