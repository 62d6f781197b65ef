/**
 * A throwaway Jupyter environment for real-client tests: the pinned venv from test/requirements.txt,
 * the tsfine kernelspec installed into a temporary prefix, and every Jupyter/IPython directory
 * pointed into that temp folder so nothing lands in $HOME.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "..", "..");
const venvBin = path.join(repoRoot, ".venv", "bin");

/** Why the real-client suites cannot run here, or undefined when they can. */
export function missingJupyter(): string | undefined {
  const python = path.join(venvBin, "python");
  if (!fs.existsSync(python)) return `no ${python}: create it with python3 -m venv .venv && .venv/bin/pip install -r test/requirements.txt`;
  const probe = spawnSync(python, ["-c", "import jupyter_client, jupyter_kernel_test, nbconvert, papermill"], { encoding: "utf8" });
  if (probe.status !== 0) return `the venv lacks Jupyter packages: ${probe.stderr.trim().split("\n").pop()}`;
  return undefined;
}

/**
 * describe() that runs when Jupyter is available; outside CI it skips with a printed reason,
 * in CI (CI=true) a missing Jupyter is a failure.
 */
export function describeWithJupyter(name: string, body: () => void): void {
  const reason = missingJupyter();
  if (!reason) return describe(name, body);
  if (process.env.CI) {
    describe(name, () => {
      test("Jupyter is installed (mandatory in CI)", () => {
        throw new Error(`real-client tests cannot run: ${reason}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED ${name}: ${reason}`);
  describe.skip(name, body);
}

export interface JupyterEnv {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Runs a command in the environment; `input` is written to its stdin, which then closes. */
  run(cmd: string, args: string[], options?: { cwd?: string; timeoutMs?: number; input?: string }): SpawnSyncReturns<string>;
  cleanup(): void;
}

export function makeJupyterEnv(): JupyterEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-jupyter-"));
  execFileSync(process.execPath, [path.join(repoRoot, "bin", "tsfine.js"), "install", "--prefix", dir], { stdio: "pipe" });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${venvBin}:${process.env.PATH}`,
    JUPYTER_PATH: path.join(dir, "share", "jupyter"),
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(dir, "config"),
    IPYTHONDIR: path.join(dir, "ipython"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    JUPYTER_PLATFORM_DIRS: "1",
  };
  return {
    dir,
    env,
    run(cmd, args, options = {}) {
      const exe = fs.existsSync(path.join(venvBin, cmd)) ? path.join(venvBin, cmd) : cmd;
      return spawnSync(exe, args, { cwd: options.cwd ?? dir, env, encoding: "utf8", timeout: options.timeoutMs ?? 300_000, input: options.input });
    },
    cleanup() {
      // Retried: a process that is ending (a kernel, a server) may still write a last file there.
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** A minimal nbformat 4 notebook from cell sources (strings are code cells). */
export function notebook(cells: Array<string | { source: string; tags?: string[]; markdown?: boolean }>): object {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "tsfine", display_name: "TypeScript (tsfine)", language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts" },
    },
    cells: cells.map((cell, i) => {
      const c = typeof cell === "string" ? { source: cell } : cell;
      const base = { id: `cell-${i}`, source: c.source, metadata: c.tags ? { tags: c.tags } : {} };
      return c.markdown ? { ...base, cell_type: "markdown" } : { ...base, cell_type: "code", execution_count: null, outputs: [] };
    }),
  };
}
