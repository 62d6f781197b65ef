/** The one folder tsfine caches into (models, word vectors, native backends). */
import * as os from "node:os";
import * as path from "node:path";

/** $XDG_CACHE_HOME/tsfine, else ~/.cache/tsfine. */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "tsfine");
}
