/**
 * `tsfine backend install keras` through the real command line: its one-sentence errors, that an
 * interrupted install leaves nothing behind, and that a finished one is not redone.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { findInterpreter } from "../tl/engine/keras/process";
import { clearAbandonedInstalls } from "../tl/engine/keras/install";
import { describe as describeEngines } from "../tl/engine/describe";
import * as tf from "@tensorflow/tfjs";
import { fromTensors } from "../tl/data";
import { fit } from "../tl/fit/fit";
import "../tl/engine/keras/fit-engine";
import { tsfineCli, tsfineCommand, useEmptyCacheHomePerTest } from "./helpers/install-command";
import { waitUntil } from "./helpers/wait-until";

const tsfine = tsfineCommand(120_000);

const cacheHome = useEmptyCacheHomePerTest("tsfine-keras-install-");

describe("tsfine backend install keras", () => {
  test("an unknown framework is a usage line", () => {
    const run = tsfine(["backend", "install", "keras", "--with", "caffe"], { XDG_CACHE_HOME: cacheHome.path });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("tsfine backend: usage: tsfine backend install keras [--with tensorflow|jax|torch]");
  });

  test("a TSFINE_PYTHON that does not exist, or a missing python3, is one sentence and nothing is made", () => {
    const own = tsfine(["backend", "install", "keras"], { XDG_CACHE_HOME: cacheHome.path, TSFINE_PYTHON: "/nowhere/python" });
    expect(own.status).toBe(1);
    expect(own.stderr.trim()).toMatch(
      /^tsfine backend: TSFINE_PYTHON \(\/nowhere\/python\) cannot import keras with tensorflow, jax, torch \(.*\); install them there, .*\.$/,
    );
    const noPython = tsfine(["backend", "install", "keras", "--with", "jax"], { XDG_CACHE_HOME: cacheHome.path, TSFINE_INSTALL_PYTHON: "/nowhere/python3" });
    expect(noPython.stderr.trim()).toBe(
      "tsfine backend: /nowhere/python3 was not found; install Python 3.10 or newer with its venv module (Debian: apt-get install python3 python3-venv) and run this again.",
    );
    expect(fs.readdirSync(cacheHome.path)).toEqual([]);
  });

  test("an install interrupted with Ctrl-C leaves nothing half-made, and a killed one's leftovers are cleared by the next", async () => {
    const child = spawn(process.execPath, [tsfineCli, "backend", "install", "keras", "--with", "jax"], {
      env: { ...process.env, XDG_CACHE_HOME: cacheHome.path },
      stdio: "ignore",
      detached: true, // its own process group, as a terminal's Ctrl-C reaches the command and pip alike
    });
    const cache = path.join(cacheHome.path, "tsfine");
    const installWait = { timeoutMs: 60_000, intervalMs: 50 }; // venv starts slowly on a loaded machine
    await waitUntil(
      () => fs.existsSync(cache) && fs.readdirSync(cache).some((n) => n.startsWith(".keras-jax.partial-")),
      "the half-made environment",
      installWait,
    );
    await waitUntil(() => fs.readdirSync(cache).some((n) => fs.existsSync(path.join(cache, n, "pyvenv.cfg"))), "venv to begin", installWait);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    process.kill(-child.pid!, "SIGINT");
    expect(await exited).toBe(130);
    expect(fs.readdirSync(cache)).toEqual([]);

    // A process killed outright cannot clean up; the next install removes what it left.
    fs.mkdirSync(path.join(cache, ".keras-jax.partial-999999999"));
    expect(clearAbandonedInstalls(cache)).toEqual([".keras-jax.partial-999999999"]);
    expect(fs.readdirSync(cache)).toEqual([]);
  });

  test("without an install, fit with the keras engine and %engine say how to get it, and nothing trains", async () => {
    const saved = { cache: process.env.XDG_CACHE_HOME, python: process.env.TSFINE_PYTHON };
    process.env.XDG_CACHE_HOME = cacheHome.path;
    delete process.env.TSFINE_PYTHON;
    try {
      const input = tf.input({ shape: [3] });
      const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: "softmax" }).apply(input) as tf.SymbolicTensor });
      const data = fromTensors(tf.randomUniform([8, 3], 0, 1, "float32", 1), [0, 1, 0, 1, 0, 1, 0, 1], { validation: 0, test: 0 });
      const before = model.getWeights().map((w) => Array.from(w.dataSync()));
      await expect(fit(model, data, { engine: "keras", verbose: false })).rejects.toThrow(
        "The keras engine is not installed: run `npx tsfine backend install keras` (or set TSFINE_PYTHON to a Python that has Keras 3), then run this again.",
      );
      expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
      const text = (await describeEngines()).toMimeBundle()["text/plain"];
      expect(text.split("\n").slice(1)).toEqual([
        "  ✗ keras: The keras engine is not installed: run `npx tsfine backend install keras` (or set TSFINE_PYTHON to a Python that has Keras 3), then run this again.",
        "tfjs trains here; for Keras 3's compiled step, run `npx tsfine backend install keras` (or set TSFINE_PYTHON to a Python that has Keras 3).",
      ]);
    } finally {
      if (saved.cache === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved.cache;
      if (saved.python !== undefined) process.env.TSFINE_PYTHON = saved.python;
    }
  });

  const installed = findInterpreter();
  (installed || process.env.CI === "true" ? test : test.skip)("a finished install is not redone", () => {
    const again = tsfine(["backend", "install", "keras", "--with", "tensorflow"]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^Keras 3\.\d+\.\d+ with tensorflow is already installed in .*keras-tensorflow\.$/m);
  });
});
