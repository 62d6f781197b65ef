import * as v8 from "node:v8";
import * as vm from "node:vm";

/** V8's gc(), as `--expose-gc` defines it: no argument for a full collection, `{ type: "minor" }` for a young-generation one. */
type ExposedGc = (options?: { type: "minor" | "major" }) => void;

/**
 * Collects garbage once a thread's heap has grown by `thresholdBytes` since the last collection.
 *
 * The language worker rebuilds a TypeScript program for every changed cell: ~100 MB stay live
 * and a few hundred KB per cell become garbage. V8 lets such a heap grow to several times its live
 * size before a full collection (measured: 116 → 453 MB over 1 500 cells, back to 149 MB after
 * one), which a notebook user sees as a kernel whose memory climbs for no reason. A full
 * collection of that heap takes tens of milliseconds on a thread that is otherwise waiting.
 */
export function createGarbageCollector(thresholdBytes: number): () => void {
  const collect = exposedGc();
  let liveAfterLastCollection = v8.getHeapStatistics().used_heap_size;
  return () => {
    if (!collect) return;
    if (v8.getHeapStatistics().used_heap_size - liveAfterLastCollection < thresholdBytes) return;
    collect();
    liveAfterLastCollection = v8.getHeapStatistics().used_heap_size;
  };
}

/**
 * How long V8 looks back when it decides whether to shrink the young generation: a collection that finds
 * under ~1 KB allocated per millisecond over its last 5 s gives the young generation's unused pages back.
 */
const ALLOCATION_WINDOW_MS = 5000;

/**
 * Gives an idle thread's memory back: once the thread has had no work for `idleMs`, one full collection
 * frees its old generation's garbage and shrinks its young generation.
 *
 * A cell that allocates grows V8's young generation toward its maximum (two 16 MB semi-spaces on a 64-bit
 * machine), and V8 gives those pages back only when its memory reducer finds the thread idle, on its own
 * schedule (~100 s into an idle kernel, measured). V8 shrinks the young generation at a collection that
 * sees little allocation over its last 5 s, so young-generation collections first close the busy period
 * (cheap: little of a cell's allocation survives them) and the full collection comes 5 s later. The next
 * work regrows the young generation as it allocates, with more young collections until it has: the
 * language worker does not use this, because its edited completions after a pause were measured slower
 * while its young generation regrew.
 */
export class IdleCollector {
  /** Looked up at the first collection: a new context costs a thread that is starting a few milliseconds. */
  private gc: ExposedGc | undefined | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs: number) {}

  /** The thread's work has ended: collect once it has stayed idle. */
  idleFromNow(): void {
    this.busy();
    this.later(this.idleMs, () => {
      const gc = (this.gc ??= exposedGc());
      if (!gc) return;
      // The second collection closes the sample of the first, whose promotions V8 counts as allocation.
      gc({ type: "minor" });
      gc({ type: "minor" });
      this.later(ALLOCATION_WINDOW_MS + 500, () => gc());
    });
  }

  /** The thread has work: no collection until the next idleFromNow(). */
  busy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private later(ms: number, step: () => void): void {
    this.timer = setTimeout(step, ms);
    this.timer.unref();
  }
}

/** Sets V8's --expose-gc (for the whole process; createGarbageCollector does it too). */
export function exposeGc(): void {
  v8.setFlagsFromString("--expose-gc");
}

/** V8's gc() without starting Node with --expose-gc: the flag applies to contexts created after it is set. */
function exposedGc(): ExposedGc | undefined {
  try {
    exposeGc();
    return vm.runInNewContext("gc") as ExposedGc;
  } catch {
    return undefined;
  }
}
