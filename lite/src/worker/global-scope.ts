import type * as ts from "typescript";
import type { RawSourceMap } from "source-map-js";
import { withoutScriptName } from "../../../kernel/evaluator/script-name";
import { shiftGeneratedColumns, type Insertion } from "../../../kernel/evaluator/source-map-shift";

type TS = typeof ts;

/**
 * The browser's stand-in for V8's REPL mode (which the Node kernel runs cells in and no page can reach):
 * a cell runs as the body of an async arrow function, so top-level await works, and what it declares at
 * top level becomes a property of the worker's global object, so later cells see it and may declare it
 * again, with another type. Declaration keywords are blanked in place and the few insertions are told to
 * the source map, so stack traces keep the cell's lines and columns:
 *
 *   const x = 1, { a } = o;   →      (x = 1, { a } = o);
 *   let y;                    →    (y = void 0);
 *   class C {}                →  C = class C {}
 *   function f() {}           →  (unchanged; hoisted, and copied to the global on the first line)
 *   f(x)   (the last statement) → return (f(x));
 */
export function runInGlobalScope(typescript: TS, js: string, map: RawSourceMap, scriptName: string): { js: string; map: RawSourceMap } {
  const body = withoutScriptName(js);
  const source = typescript.createSourceFile("cell.js", body, typescript.ScriptTarget.ES2022, true, typescript.ScriptKind.JS);
  // Edits at one offset land in the order they were pushed (the prefix first).
  const edits: Array<{ offset: number; remove: number; text: string }> = [{ offset: 0, remove: 0, text: "" }];
  const declared: string[] = [];
  const hoisted: string[] = [];
  const statements = source.statements;
  for (const statement of statements) {
    if (typescript.isVariableStatement(statement)) {
      const list = statement.declarationList;
      const keyword = list.getText(source).match(/^(const|let|var)\b/)?.[1];
      if (!keyword) continue;
      edits.push({ offset: list.getStart(source), remove: keyword.length, text: `${" ".repeat(keyword.length - 1)}(` });
      for (const declaration of list.declarations) {
        declared.push(...boundNames(typescript, declaration.name));
        if (!declaration.initializer && keyword !== "var") edits.push({ offset: declaration.name.end, remove: 0, text: " = void 0" });
      }
      edits.push({ offset: list.end, remove: 0, text: ")" });
    } else if (typescript.isFunctionDeclaration(statement) && statement.name && statement.body) {
      declared.push(statement.name.text);
      hoisted.push(statement.name.text);
    } else if (typescript.isClassDeclaration(statement) && statement.name) {
      declared.push(statement.name.text);
      edits.push({ offset: statement.getStart(source), remove: 0, text: `${statement.name.text} = ` });
    }
  }
  const last = statements[statements.length - 1];
  if (last && typescript.isExpressionStatement(last)) {
    edits.push({ offset: last.getStart(source), remove: 0, text: "return (" });
    edits.push({ offset: last.expression.end, remove: 0, text: ")" });
  }
  const prefix = `(async () => { __tsfine_declare(${JSON.stringify(declared)}); ${hoisted.map((name) => `globalThis.${name} = ${name}; `).join("")}`;
  edits[0].text = prefix;

  let text = body;
  const insertions: Insertion[] = [];
  const order = edits.map((edit, index) => ({ ...edit, index })).sort((a, b) => b.offset - a.offset || b.index - a.index);
  for (const edit of order) {
    text = text.slice(0, edit.offset) + edit.text + text.slice(edit.offset + edit.remove);
    const grown = edit.text.length - edit.remove;
    if (grown > 0) {
      const position = source.getLineAndCharacterOfPosition(edit.offset);
      insertions.push({ line: position.line + 1, column: position.character, length: grown });
    }
  }
  return { js: `${text}\n})()\n//# sourceURL=${scriptName}`, map: shiftGeneratedColumns(map, insertions) };
}

function boundNames(typescript: TS, name: ts.BindingName): string[] {
  if (typescript.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (typescript.isOmittedExpression(element) ? [] : boundNames(typescript, element.name)));
}

/**
 * Makes each name a writable property of the global object before the cell assigns it (a name the worker
 * already defines read-only, such as `name`, becomes the cell's own).
 */
export function declareGlobals(names: string[]): void {
  for (const name of names) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (descriptor && "value" in descriptor && descriptor.writable) continue;
    if (descriptor && !descriptor.configurable) continue;
    Object.defineProperty(globalThis, name, { value: undefined, writable: true, configurable: true, enumerable: true });
  }
}
