import type * as ts from "typescript";
import type { TS } from "./typescript-loader";

/**
 * Whether a cell's JavaScript can run as an ordinary script instead of through V8's REPL mode, with
 * the same effect: it binds no name in the global scope (no top-level let, const, class, function; no
 * var or sloppy-mode block function anywhere outside a function, as those bind globals too) and does
 * not await outside a function. Such a script sees the bindings earlier REPL evaluations made, and
 * its completion value is the one REPL mode would give. The runtime runs these cells with vm.Script
 * (runtime-worker.ts), which costs a tenth of an inspector Runtime.evaluate.
 */
export function runsAsPlainScript(typescript: TS, js: string): boolean {
  const source = typescript.createSourceFile("cell.js", js, typescript.ScriptTarget.ES2022, false, typescript.ScriptKind.JS);
  return source.statements.every((statement) => !declaresAtTopLevel(typescript, statement) && !bindsOrAwaitsOutsideFunctions(typescript, statement));
}

function declaresAtTopLevel(typescript: TS, statement: ts.Statement): boolean {
  return (
    typescript.isVariableStatement(statement) ||
    typescript.isClassDeclaration(statement) ||
    typescript.isImportDeclaration(statement) ||
    typescript.isImportEqualsDeclaration(statement) ||
    typescript.isExportDeclaration(statement) ||
    typescript.isExportAssignment(statement)
  );
}

function bindsOrAwaitsOutsideFunctions(typescript: TS, node: ts.Node): boolean {
  // Block-level functions also bind a global var in sloppy mode (Annex B), so every function declaration counts.
  if (typescript.isFunctionDeclaration(node)) return true;
  // A function's own scope: what it declares or awaits stays inside.
  if (typescript.isFunctionLike(node) || typescript.isClassStaticBlockDeclaration(node)) return false;
  if (typescript.isAwaitExpression(node) || (typescript.isForOfStatement(node) && node.awaitModifier)) return true;
  if (typescript.isVariableDeclarationList(node) && ((node.flags & typescript.NodeFlags.BlockScoped) === 0 || isAwaitUsing(typescript, node))) return true;
  return typescript.forEachChild(node, (child) => bindsOrAwaitsOutsideFunctions(typescript, child) || undefined) ?? false;
}

/** `await using x = …` awaits when its block ends, with no await expression in the tree. */
function isAwaitUsing(typescript: TS, list: ts.VariableDeclarationList): boolean {
  return (list.flags & typescript.NodeFlags.AwaitUsing) === typescript.NodeFlags.AwaitUsing;
}
