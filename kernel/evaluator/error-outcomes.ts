import type { ErrorInfo } from "../interpreter";
import type { CellDiagnostic } from "./cell-language-service";
import type { CellSourceMaps } from "./cell-source-maps";
import type { ThrownError } from "./runtime/messages";

const RED = "\u001b[31m";
const RESET = "\u001b[0m";

/** 1-based line and column of `offset` in `code`. */
export function lineAndColumn(code: string, offset: number): { line: number; column: number } {
  const before = code.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

/** `cell[3]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'.` plus the line of code and a marker. */
export function describeDiagnostic(label: string, code: string, diagnostic: Pick<CellDiagnostic, "start" | "length" | "code" | "message" | "isError">): string {
  const { line, column } = lineAndColumn(code, diagnostic.start);
  const codeLine = code.split("\n")[line - 1] ?? "";
  const width = Math.max(1, Math.min(diagnostic.length, codeLine.length - column + 1));
  const kind = diagnostic.isError ? "error" : "warning";
  return [
    `${label}:${line}:${column} - ${kind}${diagnostic.code ? ` TS${diagnostic.code}` : ""}: ${diagnostic.message}`,
    `${String(line).padStart(5)} | ${codeLine}`,
    `${" ".repeat(5)} | ${" ".repeat(column - 1)}${"~".repeat(width)}`,
  ].join("\n");
}

export function typeErrorOutcome(label: string, code: string, diagnostics: CellDiagnostic[]): ErrorInfo {
  const first = diagnostics[0];
  const count = diagnostics.length;
  return {
    ename: "TSError",
    evalue: count === 1 ? first.message : `${first.message} (and ${count - 1} more type error${count > 2 ? "s" : ""})`,
    traceback: diagnostics.map((diagnostic) => describeDiagnostic(label, code, diagnostic)),
  };
}

export function runtimeErrorOutcome(thrown: ThrownError, maps: CellSourceMaps): ErrorInfo {
  return {
    ename: thrown.name,
    evalue: thrown.message,
    traceback: [`${RED}${thrown.name}${RESET}: ${thrown.message}`, ...maps.frames(thrown.stack)],
  };
}

export const INTERRUPTED: ErrorInfo = {
  ename: "Interrupted",
  evalue: "the cell was interrupted",
  traceback: [`${RED}Interrupted${RESET}: the cell was interrupted (state from earlier cells is kept)`],
};
