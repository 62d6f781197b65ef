/**
 * `tsfine lite install` (also what `tsfine lite build` runs when no JupyterLite is found) through the real
 * command line: its one-sentence errors, and that a failed install leaves tsfine's cache folder as it was.
 * A successful install is the one .ci/run makes (TSFINE_LITE_CACHE), used by test/lite-browser.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tsfineCommand, useEmptyCacheHomePerTest } from "./helpers/install-command";

const tsfine = tsfineCommand(180_000);

const cacheHome = useEmptyCacheHomePerTest("tsfine-lite-install-");

describe("tsfine lite install", () => {
  test("an unknown action is the usage line", () => {
    const run = tsfine(["lite", "serve"]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("tsfine lite: usage: tsfine lite build [NOTEBOOKS…] -o SITE | tsfine lite install");
  });

  test("a missing python3 is one sentence, and nothing is made", () => {
    const run = tsfine(["lite", "install"], { XDG_CACHE_HOME: cacheHome.path, TSFINE_INSTALL_PYTHON: "/nowhere/python3" });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      "tsfine lite: /nowhere/python3 was not found; install Python 3.10 or newer with its venv module (Debian: apt-get install python3 python3-venv) and run this again.",
    );
    expect(fs.readdirSync(cacheHome.path)).toEqual([]);
  });

  test("when pip cannot get the packages, the command says so in one sentence and leaves no half-made environment", () => {
    // pip finds nothing: no index, and an empty folder of wheels (as on a machine without the network).
    const noWheels = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-no-wheels-"));
    try {
      const run = tsfine(["lite", "install"], { XDG_CACHE_HOME: cacheHome.path, PIP_NO_INDEX: "1", PIP_FIND_LINKS: noWheels });
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        `Installing JupyterLite (jupyterlite-core[contents]==0.8.6, jupyterlab_widgets==3.0.16, anywidget==0.11.0) with pip into ${cacheHome.path}`,
      );
      expect(run.stderr.trim().split("\n").pop()).toBe(
        "tsfine lite: pip could not install jupyterlite-core[contents]==0.8.6 jupyterlab_widgets==3.0.16 anywidget==0.11.0; see pip's output above (network to the package index, disk space).",
      );
      expect(fs.readdirSync(path.join(cacheHome.path, "tsfine"))).toEqual([]);
    } finally {
      fs.rmSync(noWheels, { recursive: true, force: true });
    }
  });
});
