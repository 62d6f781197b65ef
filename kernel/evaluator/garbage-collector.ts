import * as v8 from "node:v8";
import * as vm from "node:vm";

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

/** Sets V8's --expose-gc (for the whole process; createGarbageCollector does it too). */
export function exposeGc(): void {
  v8.setFlagsFromString("--expose-gc");
}

/** V8's gc() without starting Node with --expose-gc: the flag applies to contexts created after it is set. */
function exposedGc(): (() => void) | undefined {
  try {
    exposeGc();
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}
