import * as path from "node:path";
import type * as ts from "typescript";
import type { TS } from "./typescript-loader";

/**
 * Where a bare import specifier goes by the tsconfig's `paths` (or `baseUrl`), seen from `containingFile`:
 * the source file it maps to in the user's project, or undefined when there is no such mapping (a package
 * from node_modules, a relative path, or declarations only). Node knows nothing of `paths`, so the runtime
 * loads that file instead of the alias, for a cell's imports and for those of the user's files it loads.
 */
export function pathAliasTarget(
  typescript: TS,
  specifier: string,
  containingFile: string,
  options: ts.CompilerOptions,
  cache?: ts.ModuleResolutionCache,
): string | undefined {
  if (!isBareSpecifier(specifier) || specifier.startsWith("node:") || (options.paths === undefined && options.baseUrl === undefined)) return undefined;
  const resolved = typescript.resolveModuleName(specifier, containingFile, options, typescript.sys, cache).resolvedModule;
  if (!resolved || resolved.isExternalLibraryImport || resolved.extension === typescript.Extension.Dts) return undefined;
  return resolved.resolvedFileName;
}

export function isBareSpecifier(specifier: string): boolean {
  return !specifier.startsWith(".") && !path.isAbsolute(specifier);
}

/**
 * A transformer for a file compiled to CommonJS: each `require("x")` whose `x` is a `paths` alias requires the
 * file it maps to (`target` says which, or undefined to leave it). Imports, `import()` and the file's own
 * require calls all become such calls.
 */
export function aliasedRequires(typescript: TS, target: (specifier: string) => string | undefined): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const visit = (node: ts.Node): ts.Node => {
      if (
        typescript.isCallExpression(node) &&
        typescript.isIdentifier(node.expression) &&
        node.expression.text === "require" &&
        node.arguments.length === 1 &&
        typescript.isStringLiteral(node.arguments[0])
      ) {
        const replacement = target(node.arguments[0].text);
        if (replacement !== undefined)
          return context.factory.updateCallExpression(node, node.expression, undefined, [context.factory.createStringLiteral(replacement)]);
      }
      return typescript.visitEachChild(node, visit, context);
    };
    return (file) => typescript.visitNode(file, visit) as ts.SourceFile;
  };
}
