/** Shared shapes of generated code. */
import { ExpandContext, MagicUsageError } from "../declaration";
import { stringLiteral } from "../literals";

/** `expr;` on its own line; the bare expression where the magic is a value (`const x = %pwd`). */
export function valueOrStatement(context: ExpandContext, expression: string): string {
  return context.position === "expression" ? expression : `${expression};`;
}

/** The bare expression where the magic is a value; shown with display() where it is a statement. */
export function valueOrDisplay(context: ExpandContext, expression: string): string {
  return context.position === "expression" ? expression : `display(${expression});`;
}

/** Code that prints fixed text (help, listings). */
export function printText(text: string): string {
  return `console.log(${stringLiteral(text)});`;
}

/** For magics that only make sense as a statement of their own. */
export function statementOnly(context: ExpandContext, magic: string, why: string): void {
  if (context.position === "expression") {
    throw new MagicUsageError(`%${magic} cannot be used as a value: ${why}`);
  }
}

/** `const VAR = value;` with --as, else the value itself (shown when it ends the cell). */
export function bindOrValue(context: ExpandContext, magic: string, variable: string | undefined, value: string): string {
  if (variable === undefined) return valueOrStatement(context, value);
  statementOnly(context, magic, `drop --as ${variable} and assign the value yourself, or drop the assignment`);
  return `const ${variable} = ${value};`;
}
