/**
 * What the front end sends as code while debugging (a breakpoint's condition, the debug console's input) is
 * TypeScript, as the cells are; V8 evaluates JavaScript. These turn one into the other with the same compiler
 * the cells use (types erased, nothing else changed), or say in one sentence why the text does not compile.
 */
import type { TS } from "../typescript-loader";

export type Compiled = { javascript: string } | { error: string };

function transpile(ts: TS, text: string): { javascript: string; firstError?: string } {
  const output = ts.transpileModule(text, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
  const first = output.diagnostics?.[0];
  return {
    javascript: output.outputText.replace(/^export \{\};\s*$/m, "").trim(),
    firstError: first ? ts.flattenDiagnosticMessageText(first.messageText, " ").replace(/\.$/, "") : undefined,
  };
}

/** The debug console's input: statements or an expression, evaluated for the value of the last one. */
export function consoleInputToJavaScript(ts: TS, input: string): Compiled {
  const { javascript, firstError } = transpile(ts, input);
  if (firstError) return { error: `${JSON.stringify(input)} does not compile as TypeScript (${firstError}).` };
  return { javascript };
}

/**
 * A breakpoint's condition: one expression. It is compiled inside parentheses (so an object literal is an
 * expression, and a trailing line comment does not swallow the closing parenthesis), and must stay one
 * parenthesised expression: `a) || (b` is refused rather than read as two.
 */
export function conditionToJavaScript(ts: TS, condition: string): Compiled {
  const wrapped = `(${condition}\n)`;
  const refuse = (why: string): Compiled => ({
    error: `The condition ${JSON.stringify(condition)} does not compile as a TypeScript expression (${why}): fix it and set the breakpoint again.`,
  });
  const file = ts.createSourceFile("condition.ts", wrapped, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const only = file.statements.length === 1 ? file.statements[0] : undefined;
  const isOneExpression =
    only !== undefined &&
    ts.isExpressionStatement(only) &&
    ts.isParenthesizedExpression(only.expression) &&
    only.expression.getStart(file) === 0 &&
    only.expression.getEnd() === wrapped.length;
  const { javascript, firstError } = transpile(ts, wrapped);
  if (firstError) return refuse(firstError);
  if (!isOneExpression) return refuse("it is not one expression");
  return { javascript: javascript.replace(/;$/, "") };
}
