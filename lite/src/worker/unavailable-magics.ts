import type { magicsRuntime as MagicsRuntime } from "../../../magics/runtime";
import { LIMITS } from "../limits";

/**
 * The magics runtime of the browser kernel: the Node kernel's, with the calls a page cannot make
 * (processes, installs, the notebook's folder) answering with one sentence that says so. Magic
 * expansion itself is the shared one, so `%name??` shows the same TypeScript in both kernels.
 */
export function browserMagicsRuntime(runtime: typeof MagicsRuntime): typeof MagicsRuntime {
  const refuse = (sentence: string) => () => {
    throw new Error(sentence);
  };
  return {
    ...runtime,
    sh: refuse(LIMITS.shell),
    shLines: refuse(LIMITS.shell),
    npm: refuse(LIMITS.npm),
    cd: refuse(LIMITS.folders),
  };
}
