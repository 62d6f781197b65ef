/**
 * The cells that ran, as the debugger needs them: the text the user wrote (what the front end hashes into a
 * file name), the TypeScript that compiled (magics expanded: one line per line), the script name V8 knows
 * it by, and the source map between them. Breakpoints go from a TypeScript line to the script's JavaScript
 * location; paused frames come back the other way.
 */
import type { RawSourceMap, SourceMapConsumer } from "source-map-js";
import type { TS } from "../typescript-loader";

export interface CellScript {
  /** `tsfine-cell-N`, the script's `//# sourceURL=`; undefined for a cell that has not run (only its lines are known). */
  scriptName?: string;
  cellText: string;
  code: string;
  map: RawSourceMap;
  consumer?: SourceMapConsumer;
  codeLines?: number[];
}

export interface ResolvedBreakpoint {
  /** The TypeScript line (1-based) the breakpoint ends up on: the asked line, or the next one with code. */
  line: number;
  /** Where in the JavaScript (0-based, as V8 counts). */
  jsLine: number;
  jsColumn: number;
}

const KEPT_SCRIPTS = 500;

export class CellScripts {
  private readonly scripts = new Map<string, CellScript>();

  add(script: Required<Pick<CellScript, "scriptName">> & CellScript): void {
    this.scripts.delete(script.scriptName);
    this.scripts.set(script.scriptName, script);
    if (this.scripts.size > KEPT_SCRIPTS) this.scripts.delete(this.scripts.keys().next().value as string);
  }

  byName(scriptName: string): CellScript | undefined {
    return this.scripts.get(scriptName);
  }

  /** Oldest first. */
  all(): CellScript[] {
    return [...this.scripts.values()];
  }

  clear(): void {
    this.scripts.clear();
  }
}

function consumerOf(script: CellScript): SourceMapConsumer {
  script.consumer ??= new (require("source-map-js") as typeof import("source-map-js")).SourceMapConsumer(script.map);
  return script.consumer;
}

/** Lines (1-based) where a token of code starts: blank lines, comments and the inside of a template literal are not. */
function linesWithTokens(ts: TS, code: string): number[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, code);
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const lines = new Set<number>();
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    lines.add(file.getLineAndCharacterOfPosition(scanner.getTokenStart()).line + 1);
  }
  return [...lines].sort((a, b) => a - b);
}

/** The first JavaScript position of a TypeScript line; undefined when the line emits nothing (a type, an interface). */
function generatedStart(script: CellScript, line: number): { jsLine: number; jsColumn: number } | undefined {
  const positions = consumerOf(script)
    .allGeneratedPositionsFor({ source: script.map.sources[0], line, column: 0 } as never)
    .filter((position) => position.line !== null);
  if (positions.length === 0) return undefined;
  const first = positions.reduce((a, b) => (b.line < a.line || (b.line === a.line && b.column < a.column) ? b : a));
  return { jsLine: first.line - 1, jsColumn: first.column };
}

/** A breakpoint asked for on `line`: there, or on the next line with code; undefined when no line from there on has code. */
export function resolveBreakpoint(ts: TS, script: CellScript, line: number): ResolvedBreakpoint | undefined {
  script.codeLines ??= linesWithTokens(ts, script.code);
  for (const candidate of script.codeLines) {
    if (candidate < line) continue;
    const start = generatedStart(script, candidate);
    if (start) return { line: candidate, ...start };
  }
  return undefined;
}

/** The TypeScript position (1-based line and column) of a JavaScript location V8 reports (0-based). */
export function originalPosition(script: CellScript, jsLine: number, jsColumn: number): { line: number; column: number } {
  const consumer = consumerOf(script);
  const { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND } = require("source-map-js").SourceMapConsumer as typeof import("source-map-js").SourceMapConsumer;
  for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND]) {
    const found = consumer.originalPositionFor({ line: jsLine + 1, column: jsColumn, bias });
    if (found.line !== null) return { line: found.line, column: (found.column ?? 0) + 1 };
  }
  return { line: jsLine + 1, column: jsColumn + 1 };
}

/** The nodes of the code that contain a TypeScript position (1-based line and column), outermost first. */
function nodesAt(
  ts: TS,
  code: string,
  line: number,
  column: number,
): { file: import("typescript").SourceFile; position: number; nodes: import("typescript").Node[] } {
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const lineStarts = file.getLineStarts();
  const nodes: import("typescript").Node[] = [];
  if (line - 1 >= lineStarts.length) return { file, position: -1, nodes };
  const position = lineStarts[line - 1] + column - 1;
  const visit = (node: import("typescript").Node): void => {
    if (position < node.getStart(file) || position >= node.getEnd()) return;
    nodes.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { file, position, nodes };
}

/** Whether a TypeScript position (1-based line and column) lies inside the block of a `try` in the cell's code. */
export function insideTryBlock(ts: TS, code: string, line: number, column: number): boolean {
  const { file, position, nodes } = nodesAt(ts, code, line, column);
  return nodes.some((node) => ts.isTryStatement(node) && position >= node.tryBlock.getStart(file) && position < node.tryBlock.getEnd());
}

const COMBINATORS = new Set(["all", "any", "race", "allSettled"]);

/**
 * Whether a call starting at a TypeScript position has its promise's rejection handled where it is made:
 * `f().catch(...)`, `f().then(onFulfilled, onRejected)`, the same on `Promise.all([f(), ...])` (or any, race),
 * or `Promise.allSettled([f(), ...])`, which never rejects.
 */
export function rejectionHandledAt(ts: TS, code: string, line: number, column: number): boolean {
  const { file, position, nodes } = nodesAt(ts, code, line, column);
  return nodes.some((node) => ts.isCallExpression(node) && node.getStart(file) === position && handledWhereMade(ts, node));
}

function handledWhereMade(ts: TS, call: import("typescript").Expression): boolean {
  let carrier: import("typescript").Expression = call;
  for (;;) {
    const parent = carrier.parent;
    if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent) || ts.isSatisfiesExpression(parent)) {
      carrier = parent;
      continue;
    }
    const combinator = ts.isArrayLiteralExpression(parent) && ts.isCallExpression(parent.parent) ? parent.parent : undefined;
    const callee = combinator?.expression;
    if (
      combinator &&
      callee &&
      combinator.arguments[0] === parent &&
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === "Promise" &&
      COMBINATORS.has(callee.name.text)
    ) {
      if (callee.name.text === "allSettled") return true;
      carrier = combinator;
      continue;
    }
    break;
  }
  const access = carrier.parent;
  if (!ts.isPropertyAccessExpression(access) || access.expression !== carrier || !ts.isCallExpression(access.parent)) return false;
  return access.name.text === "catch" || (access.name.text === "then" && access.parent.arguments.length >= 2);
}
