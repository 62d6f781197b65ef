import { bindingNames } from "./carried-declarations";
import type { Insertion } from "./source-map-shift";
import type { TS } from "./typescript-loader";

export type BindingKind = "var" | "lexical";

/**
 * V8's REPL mode lets a name be declared again in a later cell only within one family: let and
 * class; var and function; const only as const (`const f` in one cell, `function f` or `let f` in
 * the next: "Identifier 'f' has already been declared"). So top-level `const` runs as `let  `
 * (the type checker still refuses assignments to it), and this remembers how each top-level name
 * is bound at run time: when a cell would mix families it swaps the keyword of the new declaration
 * for one of the same length (const → "var  ", let ↔ var) so that columns and source maps stay right.
 *
 * A function declared over a let/class cannot become a var, so it is renamed in place
 * (`function f` → `function __tsfine_fn_f`, still hoisted) and line 1 gains `let f = …`:
 * the cell sees `f` before its declaration, as with any function. These insertions are returned
 * so the source map can be shifted to match.
 */
export class ReplBindings {
  private readonly kinds = new Map<string, BindingKind>();

  /** The cell's JavaScript adjusted to the bindings that exist, and what it will bind once it runs (for commit()). */
  adapt(ts: TS, js: string): { js: string; bindings: Array<[string, BindingKind]>; insertions: Insertion[] } {
    const source = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    const edits: Array<{ start: number; text: string; replaces?: number }> = [];
    const hoisted: string[] = [];
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
        } else if (list.flags & ts.NodeFlags.Const) {
          edits.push({ start: keywordStart, text: "let  " });
        }
        for (const name of names) declared.set(name, kind);
      } else if (ts.isFunctionDeclaration(statement) && statement.name) {
        const name = statement.name.text;
        const lexical = declared.has(name) ? declared.get(name) === "lexical" : this.kinds.get(name) === "lexical";
        if (lexical && statement.body) {
          edits.push({ start: statement.name.getStart(source), text: hiddenName(name), replaces: name.length });
          if (!hoisted.includes(name)) hoisted.push(name);
        }
        declared.set(name, lexical ? "lexical" : "var");
      } else if (ts.isClassDeclaration(statement) && statement.name) {
        declared.set(statement.name.text, "lexical");
      }
    }
    const insertions: Insertion[] = [];
    let adapted = js;
    for (const edit of edits.sort((a, b) => b.start - a.start)) {
      const replaced = edit.replaces ?? edit.text.length;
      adapted = adapted.slice(0, edit.start) + edit.text + adapted.slice(edit.start + replaced);
      if (edit.text.length !== replaced) {
        const { line, character } = source.getLineAndCharacterOfPosition(edit.start);
        insertions.push({ line: line + 1, column: character + replaced, length: edit.text.length - replaced });
      }
    }
    if (hoisted.length > 0) {
      const prefix =
        hoisted.map((name) => `let ${name} = Object.defineProperty(${hiddenName(name)}, "name", { value: ${JSON.stringify(name)} });`).join(" ") + " ";
      adapted = prefix + adapted;
      insertions.push({ line: 1, column: 0, length: prefix.length });
    }
    return { js: adapted, bindings: [...declared], insertions };
  }

  /** The cell ran: its names are now bound as `bindings` says. Returns whether any binding changed. */
  commit(bindings: Array<[string, BindingKind]>): boolean {
    return recordBindings(this.kinds, bindings);
  }

  clear(): void {
    this.kinds.clear();
  }
}

function hiddenName(name: string): string {
  return `__tsfine_fn_${name}`;
}

/** Records each name's binding kind in `kinds`; returns whether any of them changed. */
export function recordBindings(kinds: Map<string, BindingKind>, bindings: Array<[string, BindingKind]>): boolean {
  let changed = false;
  for (const [name, kind] of bindings) {
    if (kinds.get(name) === kind) continue;
    kinds.set(name, kind);
    changed = true;
  }
  return changed;
}
