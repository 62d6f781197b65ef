import * as path from "node:path";
import type { RawSourceMap, SourceMapConsumer } from "source-map-js";
import { tsfineRoot } from "./tsfine-root";

interface CellRecord {
  label: string;
  code: string;
  map: RawSourceMap;
  /** Parsed on the first stack frame that needs it: most cells never throw. */
  consumer?: SourceMapConsumer;
}

const KEPT_CELLS = 500;
const FRAME_LOCATION = /(tsfine-cell-\d+):(\d+):(\d+)/;

/**
 * Source maps of the cells that ran, so stack traces from any later moment (a callback firing
 * cells later) point at `cell[N]:line:col` in the user's TypeScript instead of generated JavaScript.
 */
export class CellSourceMaps {
  private readonly cells = new Map<string, CellRecord>();
  private readonly internalDir = path.join(tsfineRoot(), "dist", "kernel");

  /** A name added again (a cell run again unchanged) takes the new label and counts as the newest. */
  add(scriptName: string, label: string, code: string, map: RawSourceMap): void {
    this.cells.delete(scriptName);
    this.cells.set(scriptName, { label, code, map });
    if (this.cells.size > KEPT_CELLS) this.cells.delete(this.cells.keys().next().value as string);
  }

  /**
   * The stack's frames with cell locations mapped and kernel-internal frames removed, followed by
   * the cell's line of code where the error happened.
   */
  frames(stack: string | undefined): string[] {
    if (!stack) return [];
    const frames: string[] = [];
    let firstCellLine: string | undefined;
    const lines = stack.split("\n").filter((line) => /^\s+at /.test(line));
    for (const [index, line] of lines.entries()) {
      // Frames below the kernel's inspector or vm call are how the kernel ran the cell, not the user's code.
      if (line.includes("node:inspector") || this.isKernelScriptCall(line, lines[index + 1])) break;
      if (this.isInternal(line)) continue;
      const mapped = this.mapFrame(line);
      frames.push(mapped.text);
      firstCellLine ??= mapped.codeLine;
    }
    return firstCellLine ? [...frames, firstCellLine] : frames;
  }

  /** The runtime's vm.Script call (a cell run as a plain script): a node:vm frame called from the kernel. A user's own vm call is kept. */
  private isKernelScriptCall(frame: string, caller: string | undefined): boolean {
    return frame.includes("(node:vm:") && caller !== undefined && caller.includes(this.internalDir);
  }

  private isInternal(frame: string): boolean {
    return frame.includes(this.internalDir) || /\((node:)?internal[/:]|at (node:)?internal[/:]/.test(frame) || /\bat <anonymous>$/.test(frame.trim());
  }

  private mapFrame(frame: string): { text: string; codeLine?: string } {
    const match = FRAME_LOCATION.exec(frame);
    const cell = match ? this.cells.get(match[1]) : undefined;
    if (!match || !cell) return { text: frame };
    cell.consumer ??= new (require("source-map-js") as typeof import("source-map-js")).SourceMapConsumer(cell.map);
    const original = cell.consumer.originalPositionFor({ line: Number(match[2]), column: Number(match[3]) - 1 });
    const line = original.line ?? Number(match[2]);
    const column = (original.column ?? Number(match[3]) - 1) + 1;
    const codeText = cell.code.split("\n")[line - 1];
    return {
      text: frame.replace(FRAME_LOCATION, `${cell.label}:${line}:${column}`),
      codeLine: codeText === undefined ? undefined : `${String(line).padStart(5)} | ${codeText}\n${" ".repeat(5)} | ${" ".repeat(Math.max(0, column - 1))}^`,
    };
  }
}
