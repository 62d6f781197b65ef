import type * as ts from "typescript";
import { bindingNames } from "./carried-declarations";
import type { TS } from "./typescript-loader";

type BindingKind = "var" | "lexical";

/**
 * V8's REPL mode lets let/const/class be declared again in a later cell, and var/function too,
 * but refuses to mix them (`function f` in one cell, `const f` in the next: "Identifier 'f' has
 * already been declared"). This remembers how each top-level name is bound at run time and, when
 * a cell would mix them, swaps the keyword of the new declaration for one of the same length
 * (const → "var  ", let ↔ var) so that columns and source maps stay right.
 */
export class ReplBindings {
  private readonly kinds = new Map<string, BindingKind>();

  /** The cell's JavaScript adjusted to the bindings that exist, and what it will bind once it runs. */
  adapt(ts: TS, js: string): { js: string; commit(): void } {
    const source = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    const edits: Array<{ start: number; text: string }> = [];
    const declared = new Map<string, BindingKind>();
    for (const statement of source.statements) {
      if (ts.isVariableStatement(statement)) {
        const list = statement.declarationList;
        const names = list.declarations.flatMap((declaration) => bindingNames(ts, declaration.name).map((id) => id.text));
        const isVar = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
        const keywordStart = list.getStart(source);
        let kind: BindingKind = isVar ? "var" : "lexical";
        if (isVar && names.some((name) => this.kinds.get(name) === "lexical" && !declared.has(name))) {
          edits.push({ start: keywordStart, text: "let" });
          kind = "lexical";
        } else if (!isVar && names.some((name) => this.kinds.get(name) === "var")) {
          edits.push({ start: keywordStart, text: list.flags & ts.NodeFlags.Const ? "var  " : "var" });
          kind = "var";
        }
        for (const name of names) declared.set(name, kind);
      } else if (ts.isFunctionDeclaration(statement) && statement.name) {
        declared.set(statement.name.text, "var");
      } else if (ts.isClassDeclaration(statement) && statement.name) {
        declared.set(statement.name.text, "lexical");
      }
    }
    let adapted = js;
    for (const edit of edits.sort((a, b) => b.start - a.start)) {
      adapted = adapted.slice(0, edit.start) + edit.text + adapted.slice(edit.start + edit.text.length);
    }
    return {
      js: adapted,
      commit: () => {
        for (const [name, kind] of declared) this.kinds.set(name, kind);
      },
    };
  }

  clear(): void {
    this.kinds.clear();
  }
}

