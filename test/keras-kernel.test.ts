/**
 * The keras engine from a notebook: `%engine` and `%fit … --engine keras` through the real kernel
 * (`tsfine run` over ZeroMQ), as a user runs them. Needs the installed engine (.ci/run installs
 * it); skipped without it here, failing under CI=true.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findInterpreter } from "../tl/engine/keras/process";

const cli = path.join(__dirname, "..", "bin", "tsfine.js");
const available = findInterpreter() !== undefined || process.env.CI === "true";

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

const plain = (outputs: Output[]) =>
  outputs
    .map((o) => o.text ?? o.data?.["text/plain"] ?? (o.ename ? `${o.ename}: ${o.evalue}` : ""))
    .map((t) => (Array.isArray(t) ? t.join("") : t))
    .join("\n");

(available ? test : test.skip)(
  "%engine names the keras engine's framework; %fit --engine keras trains and history.engine says so",
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-keras-kernel-"));
    const cells = [
      "%engine",
      [
        "const input = tf.input({ shape: [8, 8, 3] });",
        "let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'c1' }).apply(input) as tf.SymbolicTensor;",
        "x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;",
        "x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;",
        "const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(x) as tf.SymbolicTensor;",
        "const model = tf.model({ inputs: input, outputs: out });",
        "const data = tl.data.fromTensors(tf.randomUniform([60, 8, 8, 3]), Array.from({ length: 60 }, (_, i) => i % 3), { validation: 0.2 });",
      ].join("\n"),
      "%fit model data --epochs 2 --batch 8 --engine keras --as history",
      "[history.engine, history.epochs.length, history.epochs.every((e) => e.valLoss !== undefined)]",
    ];
    const notebook = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: cells.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
    };
    const input = path.join(dir, "engine.ipynb");
    fs.writeFileSync(input, JSON.stringify(notebook));
    const env = {
      ...process.env,
      JUPYTER_DATA_DIR: path.join(dir, "data"),
      JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
      TSFINE_HISTORY_FILE: path.join(dir, "history.jsonl"),
    };
    const run = spawnSync(process.execPath, [cli, "run", input, "-o", path.join(dir, "out.ipynb"), "--timeout", "240"], {
      encoding: "utf8",
      env,
      timeout: 300_000,
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "out.ipynb"), "utf8")) as { cells: { outputs: Output[] }[] };
    expect(plain(out.cells[0].outputs)).toMatch(/✓ keras: Keras 3\.\d+\.\d+ on tensorflow 2\.\d+\.\d+, devices CPU:0/);
    expect(plain(out.cells[2].outputs)).toMatch(/epoch 2\/2 .* done/);
    expect(plain(out.cells[3].outputs)).toMatch(/\[ 'keras 3\.\d+\.\d+ on tensorflow 2\.\d+\.\d+ \(CPU:0\)', 2, true \]/);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  300_000,
);
