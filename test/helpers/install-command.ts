/**
 * For the tests of tsfine's install commands (`tsfine lite install`, `tsfine backend install keras`):
 * the real command line as a user runs it, and an empty cache folder per test to hand it as
 * XDG_CACHE_HOME, so a test can check that a failed install made nothing in it.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The command line's entry, for a test that starts it itself (to interrupt it). */
export const tsfineCli = path.join(__dirname, "..", "..", "bin", "tsfine.js");

/** Runs `tsfine ARGS…` with this process's environment plus `env`, giving up after `timeoutMs`. */
export function tsfineCommand(timeoutMs: number): (args: string[], env?: NodeJS.ProcessEnv) => SpawnSyncReturns<string> {
  return (args, env = {}) => spawnSync(process.execPath, [tsfineCli, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: timeoutMs });
}

/** A fresh empty folder for each test (`path`), removed after it; this process's own XDG_CACHE_HOME stays as it is. */
export function useEmptyCacheHomePerTest(prefix: string): { readonly path: string } {
  const home = { path: "" };
  beforeEach(() => {
    home.path = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => fs.rmSync(home.path, { recursive: true, force: true }));
  return home;
}
