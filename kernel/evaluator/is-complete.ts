import type { IsCompleteReply } from "../interpreter";
import type { TS } from "./typescript-loader";

const INDENT = "    ";

type Opener = "{" | "[" | "(" | "${";

/**
 * Whether the front end should run `code` or wait for more lines (jupyter console): open brackets,
 * template literals and comments want more; syntax errors more text cannot fix are invalid.
 */
export function isCodeComplete(ts: TS, code: string): IsCompleteReply {
  if (code.trim() === "") return { status: "complete" };
  if (/^\s*%/.test(code)) return { status: "complete" };
  const kinds = ts.SyntaxKind;
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, code);
  const open: Opener[] = [];
  const closerOf: Record<string, Opener> = { "}": "{", "]": "[", ")": "(" };
  let unterminated = false;
  let previous: number | undefined;
  const endsOperand = new Set<number>([
    kinds.Identifier,
    kinds.NumericLiteral,
    kinds.BigIntLiteral,
    kinds.StringLiteral,
    kinds.CloseParenToken,
    kinds.CloseBracketToken,
    kinds.CloseBraceToken,
    kinds.NoSubstitutionTemplateLiteral,
    kinds.TemplateTail,
    kinds.ThisKeyword,
  ]);
  const trivia = new Set<number>([kinds.WhitespaceTrivia, kinds.NewLineTrivia, kinds.SingleLineCommentTrivia, kinds.MultiLineCommentTrivia]);
  for (let token = scanner.scan(); token !== kinds.EndOfFileToken; token = scanner.scan()) {
    if (token === kinds.CloseBraceToken && open[open.length - 1] === "${") {
      // this `}` continues a template literal: rescan it as the template's middle or tail
      if (scanner.reScanTemplateToken(false) === kinds.TemplateTail) open.pop();
    } else if (token === kinds.TemplateHead) open.push("${");
    else if (token === kinds.OpenBraceToken) open.push("{");
    else if (token === kinds.OpenBracketToken) open.push("[");
    else if (token === kinds.OpenParenToken) open.push("(");
    else if (token === kinds.CloseBraceToken || token === kinds.CloseBracketToken || token === kinds.CloseParenToken) {
      if (open.pop() !== closerOf[scanner.getTokenText()]) return { status: "invalid" };
    } else if ((token === kinds.SlashToken || token === kinds.SlashEqualsToken) && (previous === undefined || !endsOperand.has(previous))) {
      token = scanner.reScanSlashToken();
    }
    if (scanner.isUnterminated()) {
      // a quoted string cannot continue on the next line; a template or a comment can
      if (token === kinds.StringLiteral) return { status: "invalid" };
      unterminated = true;
    }
    if (!trivia.has(token)) previous = token;
  }
  if (unterminated) return { status: "incomplete", indent: "" };
  if (open.length > 0) return { status: "incomplete", indent: INDENT.repeat(open.length) };

  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const errors = (source as unknown as { parseDiagnostics?: Array<{ start?: number }> }).parseDiagnostics ?? [];
  if (errors.length === 0) return { status: "complete" };
  const end = code.trimEnd().length;
  return errors.every((error) => (error.start ?? 0) >= end) ? { status: "incomplete", indent: "" } : { status: "invalid" };
}
