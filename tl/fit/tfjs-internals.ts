import * as tf from "@tensorflow/tfjs";

/**
 * The one place in tl that reads or edits tfjs's engine internals (`tf.engine().state`, its
 * scope stack and gradient tape, tensors made from a data id). tfjs has no public API for what
 * is needed here, and each use says why:
 *
 * - Repair of a training step the kernel terminated (tl/fit/interrupted-run.ts): a terminated
 *   step runs no `finally`, so tf's engine stays inside the step's scopes and gradient tape
 *   (later ops would leak, gradients could silently stop being recorded). Only ending those
 *   scopes and dropping that tape puts the engine back; `markEngine` notes the depth at a batch
 *   boundary and `unwindEngine` returns to it.
 * - The weights as at the last batch boundary, without copying them (`aliasVariables`): the
 *   optimizer gives a variable a new buffer when it updates it, so a tensor sharing the old
 *   buffer keeps the old values for free.
 * - Peak memory of synchronous work (`peakBytesOf`, for the wasm heap check): tf.profile measures
 *   it only asynchronously; this flips the engine's own profiling switch as tf.profile does.
 *
 * These fields are internal to tfjs 4.x; a tfjs upgrade is checked by test/tl-interrupt.test.ts
 * (the repair) and test/tl-fit.test.ts (the memory check).
 */

interface EngineInternals {
  scopeStack: unknown[];
  activeScope: unknown;
  gradientDepth: number;
  kernelDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
  numDataMovesStack: unknown[];
  profiling: boolean;
  numBytes: number;
  activeProfile: { kernels: { totalBytesSnapshot: number }[] };
}

interface EngineWithInternals {
  state: EngineInternals;
  endScope(result?: unknown): void;
  makeTensorFromDataId(dataId: object, shape: number[], dtype: tf.DataType): tf.Tensor;
  backend: { incRef?(dataId: object): void };
}

const engine = () => tf.engine() as unknown as EngineWithInternals;

/** How deep tf's engine is in scopes, tape and kernels at some moment. */
export interface EngineMark {
  scopes: number;
  gradientDepth: number;
  kernelDepth: number;
  tape: boolean;
  dataMoves: number;
}

export function markEngine(): EngineMark {
  const s = engine().state;
  return {
    scopes: s.scopeStack.length,
    gradientDepth: s.gradientDepth,
    kernelDepth: s.kernelDepth,
    tape: s.activeTape != null,
    dataMoves: s.numDataMovesStack.length,
  };
}

/** Ends the scopes opened since `mark` (disposing what they tracked) and a tape begun since. */
export function unwindEngine(mark: EngineMark): void {
  const e = engine();
  const s = e.state;
  while (s.scopeStack.length > mark.scopes) e.endScope();
  if (!mark.tape && s.activeTape) {
    for (const node of s.activeTape) node.saved?.forEach((t) => t.dispose());
    s.activeTape = null;
  }
  s.gradientDepth = mark.gradientDepth;
  s.kernelDepth = mark.kernelDepth;
  s.numDataMovesStack.length = mark.dataMoves;
  s.profiling = false;
}

/**
 * Tensors sharing the variables' current buffers (no copy), kept out of every scope; undefined
 * when the backend cannot share a buffer.
 */
export function aliasVariables(variables: tf.LayerVariable[]): tf.Tensor[] | undefined {
  const e = engine();
  if (typeof e.makeTensorFromDataId !== "function" || typeof e.backend.incRef !== "function") return undefined;
  return variables.map((v) => {
    const value = v.read();
    const t = tf.keep(e.makeTensorFromDataId(value.dataId, value.shape, value.dtype));
    e.backend.incRef!(value.dataId);
    return t;
  });
}

/** Peak bytes tf holds while `work` runs, above what it held before. */
export function peakBytesOf(work: () => void): number {
  const state = engine().state;
  const before = state.numBytes;
  const wasProfiling = state.profiling;
  const kernels = state.activeProfile.kernels;
  state.profiling = true;
  state.activeProfile.kernels = [];
  let peak = before;
  try {
    tf.tidy(work);
    for (const k of state.activeProfile.kernels) peak = Math.max(peak, k.totalBytesSnapshot);
  } finally {
    state.profiling = wasProfiling;
    state.activeProfile.kernels = kernels;
  }
  return Math.max(0, peak - before);
}
