import type * as ts from "typescript";
import type { TS } from "./typescript-loader";

/** One declaration carried from a cell to the cells after it, under the names it binds. */
export interface CarriedDeclaration {
  names: string[];
  text: string;
}

/**
 * The declarations earlier cells made, as TypeScript source that goes in front of each new cell.
 * Declaring a name again replaces what was carried for it (REPL semantics, not declaration merging).
 */
export class Prelude {
  private entries: CarriedDeclaration[] = [];

  /** Prelude text without the declarations of `redeclared` names (the current cell declares them anew). */
  text(redeclared: ReadonlySet<string>): string {
    return this.entries
      .filter((entry) => !entry.names.some((name) => redeclared.has(name)))
      .map((entry) => entry.text)
      .join("\n");
  }

  /**
   * Returns whether anything changed. A cell run again declares what it declared before: its entries then
   * stay where they are, so the prelude's text (and every check memoised against it) stays the same.
   */
  carry(declarations: CarriedDeclaration[]): boolean {
    if (declarations.length === 0) return false; // without walking every entry, as each `1 + 1` would
    const replaced = new Set(declarations.flatMap((declaration) => declaration.names));
    const kept = this.entries.filter((entry) => !entry.names.some((name) => replaced.has(name)));
    const old = this.entries.filter((entry) => entry.names.some((name) => replaced.has(name)));
    if (old.length === declarations.length && old.every((entry, i) => sameDeclaration(entry, declarations[i]))) return false;
    this.entries = [...kept, ...declarations];
    return true;
  }

  /** What is carried now, in order: carried into an empty prelude, it gives this one. */
  declarations(): CarriedDeclaration[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

function sameDeclaration(a: CarriedDeclaration, b: CarriedDeclaration): boolean {
  return a.text === b.text && a.names.length === b.names.length && a.names.every((name, i) => name === b.names[i]);
}

/** Top-level names a cell declares (values, types, imports), from its syntax alone. */
export function namesDeclaredBy(ts: TS, code: string): Set<string> {
  const source = ts.createSourceFile("names.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const names = new Set<string>();
  for (const statement of source.statements) for (const name of statementNames(ts, statement)) names.add(name);
  return names;
}

function statementNames(ts: TS, statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((declaration) => bindingNames(ts, declaration.name).map((id) => id.text));
  if (ts.isImportDeclaration(statement)) return importBindings(ts, statement).map((binding) => binding.local);
  if (ts.isModuleDeclaration(statement)) return [moduleKey(ts, statement)];
  const named = statement as ts.Statement & { name?: ts.Node };
  if (
    (ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isImportEqualsDeclaration(statement)) &&
    named.name &&
    ts.isIdentifier(named.name)
  ) {
    return [named.name.text];
  }
  return [];
}

function moduleKey(ts: TS, statement: ts.ModuleDeclaration): string {
  if (ts.isIdentifier(statement.name)) return statement.name.text === "global" && !(statement.flags & ts.NodeFlags.Namespace) ? "global:" : statement.name.text;
  return `module:${statement.name.text}`;
}

export function bindingNames(ts: TS, name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(ts, element.name)));
}

interface ImportBinding {
  local: string;
  text: string;
}

/** Each name an import statement binds, as its own single-name import statement. */
function importBindings(ts: TS, statement: ts.ImportDeclaration): ImportBinding[] {
  const clause = statement.importClause;
  if (!clause) return [];
  const from = statement.moduleSpecifier.getText();
  const typeOnly = clause.isTypeOnly ? "type " : "";
  const bindings: ImportBinding[] = [];
  if (clause.name) bindings.push({ local: clause.name.text, text: `import ${typeOnly}${clause.name.text} from ${from};` });
  const named = clause.namedBindings;
  if (named && ts.isNamespaceImport(named)) bindings.push({ local: named.name.text, text: `import ${typeOnly}* as ${named.name.text} from ${from};` });
  if (named && ts.isNamedImports(named)) {
    for (const element of named.elements) {
      bindings.push({ local: element.name.text, text: `import ${typeOnly}{ ${element.getText()} } from ${from};` });
    }
  }
  return bindings;
}

/**
 * What the cell in [cellStart, end) of `source` hands on: types, classes, functions, enums and
 * namespaces as their source; variables as `declare` with the type the checker inferred; imports
 * one name per statement.
 */
export function declarationsToCarry(ts: TS, checker: ts.TypeChecker, source: ts.SourceFile, cellStart: number): CarriedDeclaration[] {
  const byName = new Map<string, string[]>();
  const add = (name: string, text: string) => byName.set(name, [...(byName.get(name) ?? []), text]);
  for (const statement of source.statements) {
    if (statement.getStart(source) < cellStart) continue;
    if (ts.isVariableStatement(statement)) {
      const flags = statement.declarationList.flags;
      const keyword = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
      const doc = jsDocBefore(ts, source, statement, cellStart);
      for (const declaration of statement.declarationList.declarations) {
        for (const id of bindingNames(ts, declaration.name)) add(id.text, `${doc}declare ${keyword} ${id.text}: ${variableType(ts, checker, id)};`);
      }
    } else if (ts.isImportDeclaration(statement)) {
      for (const binding of importBindings(ts, statement)) add(binding.local, binding.text);
    } else if (!ts.isExportDeclaration(statement) && !ts.isExportAssignment(statement)) {
      // from the full start, so JSDoc comments travel with the declaration (inspect shows them)
      const text = source.text.slice(Math.max(statement.getFullStart(), cellStart), statement.end).trim();
      for (const name of statementNames(ts, statement)) add(name, text);
    }
  }
  return [...byName].map(([name, texts]) => ({ names: [name], text: texts.join("\n") }));
}

/** The statement's JSDoc comment (with a newline), so inspect shows a variable's docs in later cells too. */
function jsDocBefore(ts: TS, source: ts.SourceFile, statement: ts.Statement, cellStart: number): string {
  const docs = (ts.getLeadingCommentRanges(source.text, statement.getFullStart()) ?? []).filter(
    (range) => range.pos >= cellStart && source.text.startsWith("/**", range.pos),
  );
  const last = docs[docs.length - 1];
  return last ? `${source.text.slice(last.pos, last.end)}\n` : "";
}

function variableType(ts: TS, checker: ts.TypeChecker, id: ts.Identifier): string {
  const symbol = checker.getSymbolAtLocation(id);
  if (!symbol) return "any";
  const type = checker.getTypeOfSymbolAtLocation(symbol, id);
  // With the declaration as context, types the cell cannot name (not imported) print as import("…").T.
  const text = checker.typeToString(type, id, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType);
  // `typeof x` of the variable itself (unique symbols) cannot be carried under its own name.
  return new RegExp(`\\btypeof ${id.text}\\b`).test(text) ? "any" : text;
}
