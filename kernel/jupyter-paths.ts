/**
 * Where Jupyter looks for things, computed without Python (jupyter_core's rules):
 * the user data dir honours JUPYTER_DATA_DIR, then the platform default.
 */
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/**
 * Python's sys.prefix has no exact Node counterpart. We take the active Python environment
 * when there is one (VIRTUAL_ENV, then CONDA_PREFIX), because that is where the `jupyter` a
 * user runs looks; otherwise Node's own prefix (…/bin/node → …).
 */
export function sysPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIRTUAL_ENV || env.CONDA_PREFIX || dirname(dirname(process.execPath));
}

/** <prefix>/share/jupyter, the data dir of an environment. */
export function prefixDataDir(prefix: string): string {
  return join(prefix, "share", "jupyter");
}

/** Data dirs in Jupyter's search order: JUPYTER_PATH, user, sys-prefix, system. */
export function dataSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.JUPYTER_PATH ?? "").split(process.platform === "win32" ? ";" : ":").filter(Boolean);
  const system = process.platform === "win32" ? [] : ["/usr/local/share/jupyter", "/usr/share/jupyter"];
  return [...new Set([...fromEnv, userDataDir(env), prefixDataDir(sysPrefix(env)), ...system])];
}
