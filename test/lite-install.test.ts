/**
 * `tsfine lite install` (also what `tsfine lite build` runs when no JupyterLite is found) through the real
 * command line: its one-sentence errors, and that a failed install leaves tsfine's cache folder as it was.
 * A successful install is the one .ci/run makes (TSFINE_LITE_CACHE), used by test/lite-browser.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const cli = path.join(__dirname, "..", "bin", "tsfine.js");

function tsfine(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 180_000 });
}

let cacheHome: string;
beforeEach(() => {
  cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-lite-install-"));
});
afterEach(() => fs.rmSync(cacheHome, { recursive: true, force: true }));

describe("tsfine lite install", () => {
  test("an unknown action is the usage line", () => {
    const run = tsfine(["lite", "serve"]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("tsfine lite: usage: tsfine lite build [NOTEBOOKS…] -o SITE | tsfine lite install");
  });

  test("a missing python3 is one sentence, and nothing is made", () => {
    const run = tsfine(["lite", "install"], { XDG_CACHE_HOME: cacheHome, TSFINE_INSTALL_PYTHON: "/nowhere/python3" });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      "tsfine lite: /nowhere/python3 was not found; install Python 3.10 or newer with its venv module (Debian: apt-get install python3 python3-venv) and run this again.",
    );
    expect(fs.readdirSync(cacheHome)).toEqual([]);
  });

  test("when pip cannot get the packages, the command says so in one sentence and leaves no half-made environment", () => {
    // pip finds nothing: no index, and an empty folder of wheels (as on a machine without the network).
    const noWheels = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-no-wheels-"));
    try {
      const run = tsfine(["lite", "install"], { XDG_CACHE_HOME: cacheHome, PIP_NO_INDEX: "1", PIP_FIND_LINKS: noWheels });
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        `Installing JupyterLite (jupyterlite-core[contents]==0.8.6, jupyterlab_widgets==3.0.16, anywidget==0.11.0) with pip into ${cacheHome}`,
      );
      expect(run.stderr.trim().split("\n").pop()).toBe(
        "tsfine lite: pip could not install jupyterlite-core[contents]==0.8.6 jupyterlab_widgets==3.0.16 anywidget==0.11.0; see pip's output above (network to the package index, disk space).",
      );
      expect(fs.readdirSync(path.join(cacheHome, "tsfine"))).toEqual([]);
    } finally {
      fs.rmSync(noWheels, { recursive: true, force: true });
    }
  });
});
