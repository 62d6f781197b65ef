/** Messages between the main thread (language-client.ts) and the language worker (language-worker.ts). */
import type { RawSourceMap } from "source-map-js";
import type { CompleteReply, InspectReply } from "../interpreter";
import type { CarriedDeclaration } from "./carried-declarations";
import type { CellDiagnostic } from "./cell-language-service";
import type { BindingKind } from "./repl-bindings";

export type CheckMode = "on" | "warn" | "off";

/** What a cell binds once it has run: the prelude's new entries and how each top-level name is bound at run time. */
export interface CellBindings {
  declarations: CarriedDeclaration[];
  bindings: Array<[string, BindingKind]>;
}

/**
 * `reusable`: the same code compiles to the same result for as long as the committed state does not change
 * (the result depends on no file on disk), so the main thread may answer a repeat of it itself.
 */
export type CompileResult =
  | { kind: "typeErrors"; diagnostics: CellDiagnostic[]; reusable: boolean }
  | {
      kind: "compiled";
      reusable: boolean;
      /** Type errors that did not stop the cell (typecheck "warn"). */
      warnings: CellDiagnostic[];
      js: string;
      /** The name `js` carries in stack traces (its `//# sourceURL=` line). */
      scriptName: string;
      map: RawSourceMap;
      syntaxErrors: Array<{ start: number; message: string }>;
      /** Send back with "commit" once the cell ran. */
      binds: CellBindings;
      /** The runtime may run `js` as an ordinary script instead of in REPL mode (plain-script.ts). */
      plainScript: boolean;
    };

export type Transpiled = { js: string; syntaxErrors: Array<{ start: number; message: string }>; plainScript: boolean };

export type LanguageRequest =
  /** `keepAs`: keep a reusable result for later kernels under this key (language-result-cache.ts). */
  | { type: "compile"; code: string; scriptName: string; mode: CheckMode; keepAs?: string }
  | { type: "transpile"; code: string; scriptName: string }
  | { type: "complete"; code: string; cursorPos: number }
  | { type: "inspect"; code: string; cursorPos: number; detailLevel: 0 | 1 };

export type LanguageNotice =
  /** The cell ran: later cells see what it declared. Several at once when a replaced worker catches up. */
  | { type: "commit"; cells: CellBindings[] }
  /** User state is gone (kernel restart, runtime replaced). */
  | { type: "clear" };

/** A request carries the commits made since the last message, applied before it is answered. */
export type ToLanguageWorker = (LanguageRequest & { id: number; commits?: CellBindings[] }) | LanguageNotice;

export type LanguageReply<R extends LanguageRequest> = R["type"] extends "compile"
  ? CompileResult
  : R["type"] extends "transpile"
    ? Transpiled
    : R["type"] extends "complete"
      ? CompleteReply
      : InspectReply;

export type FromLanguageWorker =
  | { id: number; value?: unknown; error?: string }
  /** Something the user should read once, on the next cell's stderr (a tsconfig.json option that does not apply). */
  | { notice: string };
