/**
 * What a piece of the user's TypeScript is, for magics that wrap code (%time, %timeit):
 * one expression, one `const x = ...` declaration, or statements.
 */
import * as ts from "typescript";

export type CodeShape =
  { kind: "expression"; expression: string } | { kind: "declaration"; head: string; initializer: string } | { kind: "statements"; statements: string };

function parse(code: string): ts.SourceFile {
  return ts.createSourceFile("magic.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

export function codeShape(code: string): CodeShape {
  const source = parse(code);
  const statements = source.statements;
  if (statements.length === 1) {
    const only = statements[0];
    if (ts.isExpressionStatement(only)) {
      return { kind: "expression", expression: only.expression.getText(source) };
    }
    if (ts.isVariableStatement(only) && only.declarationList.declarations.length === 1) {
      const declaration = only.declarationList.declarations[0];
      if (declaration.initializer) {
        const head = code.slice(only.getStart(source), declaration.initializer.getStart(source)).replace(/\s*=\s*$/, "");
        return { kind: "declaration", head, initializer: declaration.initializer.getText(source) };
      }
    }
  }
  return { kind: "statements", statements: code.trim() };
}

/** The code without a trailing `// comment` (so it can be wrapped on one line). */
export function withoutTrailingComment(code: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  let end = code.length;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia) {
      end = scanner.getTokenStart();
      break;
    }
  }
  return code.slice(0, end).trimEnd();
}

/** Whether the code awaits anything at its own level (then the wrapper must be async). */
export function usesAwait(code: string): boolean {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code);
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.AwaitKeyword) return true;
  }
  return false;
}

/** Character range of the last top-level statement if it is an expression statement. */
export function lastExpressionStatement(code: string): { start: number; end: number; expression: string } | undefined {
  const source = parse(code);
  const last = source.statements[source.statements.length - 1];
  if (!last || !ts.isExpressionStatement(last)) return undefined;
  return { start: last.getStart(source), end: last.getEnd(), expression: last.expression.getText(source) };
}
