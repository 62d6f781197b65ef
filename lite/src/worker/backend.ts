type TF = typeof import("@tensorflow/tfjs");

/**
 * WebGL first (a worker reaches the GPU through OffscreenCanvas), then the CPU backend. tfjs's own
 * choice would be the same; asking explicitly lets the banner say which one works.
 */
export async function selectBackend(tf: TF, _assetsUrl: string): Promise<string> {
  for (const name of ["webgl", "cpu"]) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  return tf.getBackend();
}
