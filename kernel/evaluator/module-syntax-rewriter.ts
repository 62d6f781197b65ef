import type * as ts from "typescript";
import type { TS } from "./typescript-loader";

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Rewrites a cell's import/export syntax into statements V8's REPL mode can run, keeping every
 * line where it was (so errors and source maps still point at the user's lines):
 *   import d, { a, b as c } from "x"  →  var d = __tsfine_default(await __tsfine_import("x")), { a, b: c } = await __tsfine_import("x");
 *   import * as ns from "x"           →  var ns = __tsfine_namespace(await __tsfine_import("x"));
 *   import "x"                        →  await __tsfine_import("x");
 *   import x = require("x")           →  var x = await __tsfine_import("x");
 *   export const y = 1                →  const y = 1
 *   await import("x")                 →  await __tsfine_dynamic_import("x")
 * Type-only imports and re-exports disappear. Imports bind with `var`, like function
 * declarations, so a later cell may declare an imported name as a function (see repl-bindings.ts).
 */
export function rewriteModuleSyntax(ts: TS, code: string): string {
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  for (const statement of source.statements) {
    const start = statement.getStart(source);
    if (ts.isImportDeclaration(statement)) {
      edits.push({ start, end: statement.end, text: importReplacement(ts, statement) });
    } else if (ts.isImportEqualsDeclaration(statement)) {
      const reference = statement.moduleReference;
      if (statement.isTypeOnly) edits.push({ start, end: statement.end, text: "" });
      else if (ts.isExternalModuleReference(reference)) {
        edits.push({ start, end: statement.end, text: `var ${statement.name.text} = await __tsfine_import(${reference.expression.getText(source)});` });
      }
    } else if (ts.isExportDeclaration(statement) || (ts.isExportAssignment(statement) && statement.isExportEquals)) {
      edits.push({ start, end: statement.end, text: "" });
    } else if (ts.isExportAssignment(statement)) {
      edits.push({ start, end: statement.expression.getStart(source), text: "" });
    } else {
      edits.push(...exportModifierEdits(ts, statement, source));
    }
  }
  edits.push(...dynamicImportEdits(ts, source));
  let result = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    const replaced = result.slice(edit.start, edit.end);
    result = result.slice(0, edit.start) + keepLineCount(edit.text, replaced) + result.slice(edit.end);
  }
  return result;
}

function importReplacement(ts: TS, statement: ts.ImportDeclaration): string {
  const load = `await __tsfine_import(${statement.moduleSpecifier.getText()})`;
  const clause = statement.importClause;
  if (!clause) return `${load};`;
  if (clause.isTypeOnly) return "";
  const bindings: string[] = [];
  if (clause.name) bindings.push(`${clause.name.text} = __tsfine_default(${load})`);
  const named = clause.namedBindings;
  if (named && ts.isNamespaceImport(named)) bindings.push(`${named.name.text} = __tsfine_namespace(${load})`);
  if (named && ts.isNamedImports(named)) {
    const elements = named.elements
      .filter((element) => !element.isTypeOnly)
      .map((element) => (element.propertyName ? `${element.propertyName.getText()}: ${element.name.text}` : element.name.text));
    if (elements.length > 0) bindings.push(`{ ${elements.join(", ")} } = ${load}`);
  }
  return bindings.length > 0 ? `var ${bindings.join(", ")};` : "";
}

function exportModifierEdits(ts: TS, statement: ts.Statement, source: ts.SourceFile): Edit[] {
  const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
  return modifiers
    .filter((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword || modifier.kind === ts.SyntaxKind.DefaultKeyword)
    .map((modifier) => ({ start: modifier.getStart(source), end: modifier.end, text: "" }));
}

/** `import("x")` has no loader in inspector-evaluated code: it goes through the same importer as import statements. */
function dynamicImportEdits(ts: TS, source: ts.SourceFile): Edit[] {
  const edits: Edit[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      edits.push({ start: node.expression.getStart(source), end: node.expression.end, text: "__tsfine_dynamic_import" });
    }
    ts.forEachChild(node, visit);
  };
  if (/\bimport\s*\(/.test(source.text)) visit(source);
  return edits;
}

function keepLineCount(replacement: string, replaced: string): string {
  const missing = (replaced.match(/\n/g)?.length ?? 0) - (replacement.match(/\n/g)?.length ?? 0);
  return replacement + "\n".repeat(Math.max(0, missing));
}
