/**
 * What the debugger (kernel/evaluator/debugger/, on the main thread) asks of values in the worker. It calls
 * these through the inspector (Runtime.callFunctionOn / Runtime.evaluate), also while the worker is paused,
 * so they only read: they never post to the main thread nor wait for anything.
 */
import type { MimeBundle } from "../../interpreter";
import { notebookNames } from "./tsfine-object";
import { DEBUG_HELPERS_KEY } from "./debug-helpers-key";
import { valueBundle } from "./value-bundle";

export interface DebugHelpers {
  /** The notebook's top-level names, given the REPL scope's (Runtime.globalLexicalScopeNames, which only the inspector knows). */
  notebookNames(lexical: string[]): string[];
  /** A tensor, model or dataset in one line (dtype, shape, a few values) and its type in short; undefined for other values. */
  summary(value: unknown): { type: string; value: string } | undefined;
  /** The value's rich display, as a cell's result would show it. */
  bundle(value: unknown): MimeBundle;
}

const SHOWN_VALUES = 6;

function formatNumber(value: unknown): string {
  return typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(4)).toString() : String(value);
}

type TensorLike = { shape: number[]; dtype: string; size: number; isDisposed?: boolean; dataSync(): ArrayLike<unknown> };
type ModelLike = { name?: string; layers: unknown[]; countParams(): number; inputs?: Array<{ shape: unknown[] }>; outputs?: Array<{ shape: unknown[] }> };

function isTensor(value: object): value is TensorLike {
  const candidate = value as Partial<TensorLike>;
  return Array.isArray(candidate.shape) && typeof candidate.dtype === "string" && typeof candidate.dataSync === "function";
}

function isModel(value: object): value is ModelLike {
  const candidate = value as Partial<ModelLike>;
  return Array.isArray(candidate.layers) && typeof candidate.countParams === "function";
}

function isDataset(value: object): boolean {
  const candidate = value as { iterator?: unknown; batch?: unknown; size?: unknown };
  return typeof candidate.iterator === "function" && typeof candidate.batch === "function" && "size" in candidate;
}

/** tl.data's Dataset (train/validation/test splits): it describes itself in one line. */
function isTlDataset(value: object): value is { describe(): string } {
  const candidate = value as { describe?: unknown; train?: { size?: unknown } };
  return typeof candidate.describe === "function" && typeof candidate.train?.size === "number";
}

/** One split of a tl.data Dataset (data.train, data.test). */
function isTlExamples(value: object): value is { size: number; inputShape: number[] } {
  const candidate = value as { size?: unknown; inputShape?: unknown; batches?: unknown };
  return typeof candidate.size === "number" && Array.isArray(candidate.inputShape) && typeof candidate.batches === "function";
}

function shapeText(shape: unknown[] | undefined): string {
  return `[${(shape ?? []).map((dim) => (dim === null ? "?" : String(dim))).join(", ")}]`;
}

function tensorSummary(tensor: TensorLike): { type: string; value: string } {
  const type = `Tensor ${tensor.dtype} ${shapeText(tensor.shape)}`;
  if (tensor.isDisposed) return { type, value: `${type} (disposed)` };
  const data = tensor.dataSync();
  const values = Array.from({ length: Math.min(SHOWN_VALUES, data.length) }, (_, index) => formatNumber(data[index]));
  return { type, value: `${type} ${values.join(", ")}${tensor.size > SHOWN_VALUES ? ", …" : ""}` };
}

function modelSummary(model: ModelLike): { type: string; value: string } {
  const kind = model.constructor?.name ?? "Model";
  const io =
    model.inputs && model.outputs
      ? `, ${model.inputs.map((t) => shapeText(t.shape)).join(" ")} → ${model.outputs.map((t) => shapeText(t.shape)).join(" ")}`
      : "";
  return { type: kind, value: `${kind} "${model.name ?? ""}": ${model.layers.length} layers, ${model.countParams()} parameters${io}` };
}

export function installDebugHelpers(): void {
  const helpers: DebugHelpers = {
    notebookNames,
    summary(value) {
      if (typeof value !== "object" || value === null) return undefined;
      try {
        if (isTensor(value)) return tensorSummary(value);
        if (isModel(value)) return modelSummary(value);
        if (isTlDataset(value)) return { type: "Dataset", value: value.describe() };
        if (isTlExamples(value)) return { type: "Examples", value: `Examples: ${value.size} examples of shape ${shapeText(value.inputShape)}` };
        if (isDataset(value)) {
          const size = (value as { size: unknown }).size;
          return { type: "Dataset", value: `Dataset (${typeof size === "number" && Number.isFinite(size) ? `${size} elements` : "size unknown"})` };
        }
      } catch {
        // a value that cannot describe itself shows as the inspector describes it
      }
      return undefined;
    },
    bundle: (value) => valueBundle(value) ?? { "text/plain": "undefined" },
  };
  Object.defineProperty(globalThis, Symbol.for(DEBUG_HELPERS_KEY), { value: helpers, enumerable: false });
}
