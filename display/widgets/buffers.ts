/**
 * Binary values travel beside the JSON of a widget message (the protocol's buffers and
 * buffer_paths): the sender takes every Uint8Array out of the state and names where it was, the
 * receiver puts each buffer back at its path.
 */
export type BufferPath = Array<string | number>;

export interface SplitState {
  state: Record<string, unknown>;
  buffers: Uint8Array[];
  bufferPaths: BufferPath[];
}

/** JSON-ready state with the binary values taken out (their keys are removed, as the front end expects). */
export function removeBuffers(state: Record<string, unknown>): SplitState {
  const buffers: Uint8Array[] = [];
  const bufferPaths: BufferPath[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (value instanceof Uint8Array) {
      buffers.push(value);
      bufferPaths.push(path);
      return undefined;
    }
    if (ArrayBuffer.isView(value)) return walk(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), path);
    if (value instanceof ArrayBuffer) return walk(new Uint8Array(value), path);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]) ?? null);
    if (typeof value === "object" && value !== null) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const walked = walk(item, [...path, key]);
        if (walked !== undefined) copy[key] = walked;
      }
      return copy;
    }
    return value;
  };
  return { state: walk(state, []) as Record<string, unknown>, buffers, bufferPaths };
}

/** Puts each buffer back where its path says, in place. */
export function putBuffers(state: Record<string, unknown>, bufferPaths: unknown, buffers: Uint8Array[]): void {
  if (!Array.isArray(bufferPaths)) return;
  bufferPaths.forEach((path, index) => {
    if (!Array.isArray(path) || path.length === 0 || index >= buffers.length) return;
    let holder: Record<string | number, unknown> = state;
    for (const key of path.slice(0, -1)) {
      const next = holder[key as string];
      if (typeof next !== "object" || next === null) return;
      holder = next as Record<string | number, unknown>;
    }
    holder[path[path.length - 1] as string] = buffers[index];
  });
}
