/**
 * Every example notebook (examples/*.ipynb, found on disk) runs end to end, offline, three ways:
 * `tsfine run`, `jupyter nbconvert --execute` through the installed kernelspec, and papermill
 * with parameters changed; any error output fails the test. The numbers the notebooks claim are
 * read back from the executed outputs of the `tsfine run` pass. Each run's time is printed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeWithJupyter, makeJupyterEnv, JupyterEnv } from "./helpers/jupyter-env";

const repoRoot = path.resolve(__dirname, "..");
const examples = path.join(repoRoot, "examples");
const cli = path.join(repoRoot, "bin", "tsfine.js");
let tmp: string;

type Parameters = Record<string, unknown>;

/**
 * How each notebook is run. `run`: the `tsfine run` pass whose outputs the claims below are read
 * from. `papermill`: values papermill injects. `nbconvert`: values written into the parameters
 * cell before nbconvert executes the notebook (absent: the notebook runs exactly as committed).
 * Real-Jupyter passes only prove the notebook runs there, so they get the cheapest settings.
 * A notebook missing here runs with its own defaults (papermill changes `seed`).
 */
const plans: Record<string, { run: Parameters; papermill: Parameters; nbconvert?: Parameters }> = {
  quickstart: { run: { epochs: 3, perClass: 10 }, papermill: { epochs: 2, perClass: 10 } },
  // The claims at 5 and 20 labels per digit on the notebook's three seeds and full budget (the
  // same runs as the committed notebook's); the real-Jupyter passes one small run each.
  "less-data": {
    run: { labelCounts: [5, 20], seeds: [1, 2, 3] },
    papermill: { labelCounts: [5], seeds: [2], steps: 12 },
    nbconvert: { labelCounts: [5], seeds: [1], steps: 12 },
  },
  "freeze-and-unfreeze": { run: { epochs: 2, perClass: 10 }, papermill: { epochs: 1, perClass: 8 }, nbconvert: { epochs: 1, perClass: 8 } },
  "bring-your-own-data": { run: { perClass: 12, epochs: 6 }, papermill: { perClass: 8, epochs: 3 } },
  // Its claims are read by test/examples-text.test.ts from a run of its own; here it only has to run.
  "text-transfer": {
    run: { labelCounts: [3], seeds: [1], steps: 20 },
    papermill: { labelCounts: [3], seeds: [2], steps: 10 },
    nbconvert: { labelCounts: [3], seeds: [1], steps: 10 },
  },
};
const planFor = (name: string) => plans[name] ?? { run: {}, papermill: { seed: 2 } };

/** The notebooks in examples/, in build order first (so the printed table reads like the README). */
const order = ["quickstart", "less-data", "freeze-and-unfreeze", "bring-your-own-data", "text-transfer"];
const notebooks = fs
  .readdirSync(examples)
  .filter((f) => f.endsWith(".ipynb"))
  .map((f) => f.slice(0, -".ipynb".length))
  .sort((a, b) => (order.indexOf(a) + 1 || order.length + 1) - (order.indexOf(b) + 1 || order.length + 1) || a.localeCompare(b));

const timings = new Map<string, Map<string, string>>();
function record(name: string, way: string, seconds: number, parameters?: Parameters) {
  const shown =
    parameters === undefined
      ? "as committed"
      : Object.entries(parameters)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(" ") || "defaults";
  if (!timings.has(name)) timings.set(name, new Map());
  timings.get(name)!.set(way, `${seconds.toFixed(1)} s (${shown})`);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-examples-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  const lines = [...timings].flatMap(([name, ways]) => [`  ${name}`, ...[...ways].map(([way, t]) => `    ${way.padEnd(22)} ${t}`)]);
  if (lines.length) console.log(`example notebook run times:\n${lines.join("\n")}`);
});

type Notebook = { cells: Cell[]; metadata: Record<string, any> };
type Cell = { cell_type: string; source: string | string[]; metadata: { tags?: string[] }; outputs?: Output[] };
type Output = { output_type: string; data?: Record<string, any>; text?: string | string[]; ename?: string; evalue?: string };

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));
const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === "code");
const allOutputs = (nb: Notebook) => codeCells(nb).flatMap((c) => c.outputs ?? []);
const errors = (nb: Notebook) =>
  allOutputs(nb)
    .filter((o) => o.output_type === "error")
    .map((o) => `${o.ename}: ${o.evalue}`);
const readNotebook = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;

/** Markdown the notebook's code displayed (its computed sentences), joined. */
function displayedMarkdown(nb: Notebook): string {
  return allOutputs(nb)
    .map((o) => text(o.data?.["text/markdown"]))
    .filter(Boolean)
    .join("\n");
}

function jsonOutputs(nb: Notebook): any[] {
  return allOutputs(nb)
    .map((o) => o.data?.["application/json"])
    .filter((j) => j !== undefined);
}

/** A percentage after `label` in the displayed markdown, as a fraction. */
function percentAfter(nb: Notebook, label: RegExp): number {
  const match = displayedMarkdown(nb).match(new RegExp(`${label.source}[^0-9]*([0-9.]+)%`));
  if (!match) throw new Error(`no ${label} percentage in the notebook's displayed markdown:\n${displayedMarkdown(nb)}`);
  return Number(match[1]) / 100;
}

function expectStaticFigures(nb: Notebook, atLeast: number) {
  const figures = allOutputs(nb).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
  expect(figures.length).toBeGreaterThanOrEqual(atLeast);
  for (const figure of figures) expect(text(figure.data!["image/svg+xml"])).toMatch(/<svg/);
}

/** Outputs carrying plotly.js itself (the inline <script> that defines window.Plotly). */
const plotlyLibraryCopies = (nb: Notebook) =>
  allOutputs(nb).filter((o) => /\/\* tsfine: plotly\.js|if \(!window\.Plotly\)/.test(text(o.data?.["text/html"]))).length;

/** `tsfine run` on examples/NAME.ipynb (in place, so relative paths resolve), output in tmp. */
function tsfineRun(name: string, parameters: Parameters, label = "tsfine run"): Notebook {
  const output = path.join(tmp, `${name}.${label.replace(/\W+/g, "-")}.ipynb`);
  const args = [cli, "run", path.join(examples, `${name}.ipynb`), "-o", output];
  for (const [key, value] of Object.entries(parameters)) args.push("-p", `${key}=${JSON.stringify(value)}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: "utf8", timeout: 600_000 });
  record(name, label, (Date.now() - started) / 1000, parameters);
  if (!fs.existsSync(output)) throw new Error(`tsfine run wrote no notebook (exit ${result.status}):\n${result.stderr}`);
  const nb = readNotebook(output);
  expect(errors(nb)).toEqual([]);
  expect(result.status).toBe(0);
  return nb;
}

/** The `tsfine run` pass of each notebook, run once and shared by the tests that read it. */
const runs = new Map<string, Notebook>();
function executed(name: string): Notebook {
  if (!runs.has(name)) runs.set(name, tsfineRun(name, planFor(name).run));
  return runs.get(name)!;
}

/** The notebook with `values` written into its parameters cell, as a user would edit it. */
function withParameters(nb: Notebook, values: Parameters): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  const cell = codeCells(copy).find((c) => (c.metadata.tags ?? []).includes("parameters"))!;
  let source = text(cell.source);
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^(\\s*const\\s+${key}\\s*(?::[^=]+)?=\\s*)[^;]+;`, "m");
    if (!line.test(source)) throw new Error(`the parameters cell declares no const ${key}:\n${source}`);
    source = source.replace(line, `$1${JSON.stringify(value)};`);
  }
  cell.source = source;
  return copy;
}

describe("committed example notebooks", () => {
  test.each(notebooks)("%s carries its outputs, its environment, and a static image for every figure", (name) => {
    const nb = readNotebook(path.join(examples, `${name}.ipynb`));
    const versions = nb.metadata.tsfine?.versions;
    expect(versions).toEqual(
      expect.objectContaining({
        tsfine: expect.any(String),
        typescript: expect.any(String),
        tfjs: expect.any(String),
        backend: expect.any(String),
        node: expect.stringMatching(/^v\d+/),
      }),
    );
    expect(allOutputs(nb).length).toBeGreaterThan(0);
    expect(errors(nb)).toEqual([]);
    expectStaticFigures(nb, 1);
    const parameters = codeCells(nb).filter((c) => (c.metadata.tags ?? []).includes("parameters"));
    expect(parameters).toHaveLength(1);
  });

  // What nbconvert's HTML and viewers that run no scripts show: the SVG inside the figure's div,
  // which plotly replaces only when it runs.
  test.each(notebooks)("%s: every figure's HTML starts as its static image", (name) => {
    const figures = allOutputs(readNotebook(path.join(examples, `${name}.ipynb`))).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
    for (const figure of figures) expect(text(figure.data!["text/html"])).toMatch(/<div id="[^"]+" class="tsfine-plotly"[^>]*><svg/);
  });

  // plotly.js (4.8 MB) rides in the notebook so its figures draw offline when it is reopened;
  // one copy does that, a second only makes the file bigger.
  test.each(notebooks)("%s carries plotly.js exactly once", (name) => {
    expect(plotlyLibraryCopies(readNotebook(path.join(examples, `${name}.ipynb`)))).toBe(1);
  });
});

describe.each(notebooks)("%s.ipynb under tsfine run", (name) => {
  test("runs without an error output; every figure has its static image", () => {
    const nb = executed(name);
    expect(codeCells(nb).every((c) => (c as any).execution_count !== null)).toBe(true);
    expectStaticFigures(nb, 0);
    expect(plotlyLibraryCopies(nb)).toBeLessThanOrEqual(1);
  }, 900_000);
});

describe("quickstart.ipynb", () => {
  test("curves, a confusion matrix, a prediction grid, a saved model that reloads", () => {
    const nb = executed("quickstart");
    expectStaticFigures(nb, 2);
    const figures = allOutputs(nb)
      .map((o) => text(o.data?.["text/plain"]))
      .join("\n");
    expect(figures).toMatch(/training curves/);
    expect(figures).toMatch(/confusion matrix/);
    expect(figures).toMatch(/predictions: 20 shown/);
    expect(displayedMarkdown(nb)).toMatch(/After 3 epochs/);
    const accuracy = percentAfter(nb, /Test accuracy:/);
    expect(accuracy).toBeGreaterThan(0.2); // ten digits: guessing gives 10%
    expect(percentAfter(nb, /reloaded model scores/)).toBe(accuracy);
  });

  test("same seed, same backend: a rerun gives the same numbers", () => {
    const first = executed("quickstart");
    const second = tsfineRun("quickstart", plans.quickstart.run, "tsfine run (rerun)");
    expect(second.metadata.language_info).toEqual(first.metadata.language_info);
    expect(displayedMarkdown(second)).toBe(displayedMarkdown(first));
  }, 300_000);
});

describe("less-data.ipynb", () => {
  const result = () => {
    const found = jsonOutputs(executed("less-data")).find((j) => j.verdicts);
    expect(found).toBeDefined();
    return found as { verdicts: any[]; runs: any[] };
  };

  test("a table, two figures, a computed conclusion", () => {
    const nb = executed("less-data");
    expectStaticFigures(nb, 2);
    expect(result().runs).toHaveLength(2 * 3 * 3);
    expect(displayedMarkdown(nb)).toMatch(
      /With \*\*20\*\* labelled pictures per digit, the best pretrained way \(pretrained, [a-z-]+, [0-9.]+%\) \*\*(beats|loses to|overlaps with)\*\*/,
    );
  });

  // Per seed, the fine-tuned backbone against from scratch on the same pictures and the same 2 000
  // test digits, each with the learning rate examples/less-data-sweep.js chose for it.
  test.each([5, 20])("the fine-tuned pretrained backbone beats training from scratch at %i labels per digit, on every seed", (labels) => {
    const runs = result().runs.filter((r) => r.labels === labels);
    const seeds = [...new Set(runs.map((r) => r.seed))];
    const accuracy = (way: string, seed: number) => runs.find((r) => r.way === way && r.seed === seed)!.accuracy;
    const gaps = seeds.map((seed) => accuracy("pretrained, fine-tuned", seed) - accuracy("from scratch", seed));
    expect(seeds).toEqual([1, 2, 3]);
    expect(gaps.filter((gap) => !(gap > 0))).toEqual([]);
    // The notebook's own sentence says the same of its best pretrained way.
    expect(result().verdicts.find((v) => v.labels === labels).outcome).toBe("beats");
  });
});

describe("freeze-and-unfreeze.ipynb", () => {
  test("parameter counts, frozen BatchNorm kept exactly as pretrained, lr_find, exercise checks", () => {
    const md = displayedMarkdown(executed("freeze-and-unfreeze"));
    expect(md).toMatch(/Freezing made training \*\*[0-9.]+× faster\*\*/);
    // tl.freeze: the backbone's output does not move and the original classifier keeps its score.
    expect(md).toMatch(/With `tl.freeze` the output changed by exactly 0/);
    const was = md.match(/instead of ([0-9.]+)%/)![1];
    const kept = md.match(/the clothing classifier scores ([0-9.]+)%/)![1];
    expect(kept).toBe(was);
    expect(md).toMatch(/steepest fall at \*\*[0-9.]+e-?[0-9]+\*\*/);
    expect(md.match(/(✅|❌)/g)?.length).toBe(2);
    expectStaticFigures(executed("freeze-and-unfreeze"), 1);
  });
});

describe("bring-your-own-data.ipynb", () => {
  test("writes a PNG folder, loads a backbone from a folder and from a cached URL, trains on the folder", () => {
    const nb = executed("bring-your-own-data");
    expect(displayedMarkdown(nb)).toMatch(/Wrote 36 PNG files/);
    const tables = allOutputs(nb)
      .map((o) => text(o.data?.["text/plain"]))
      .join("\n");
    expect(tables).toMatch(/third, server stopped \(cache only\)\s+[0-9.]+\s+23296/);
    expect(percentAfter(nb, /Test accuracy on the held-out shapes:/)).toBeGreaterThan(1 / 3);
  });
});

describeWithJupyter("every example notebook through real Jupyter", () => {
  let jupyter: JupyterEnv;
  beforeAll(() => {
    jupyter = makeJupyterEnv();
  });
  afterAll(() => jupyter?.cleanup());

  describe.each(notebooks)("%s.ipynb", (name) => {
    test("jupyter nbconvert --execute through the installed kernelspec", () => {
      const values = planFor(name).nbconvert;
      const committed = readNotebook(path.join(examples, `${name}.ipynb`));
      const started = Date.now();
      // Read from stdin so the kernel starts in examples/ (nbconvert starts it in the input
      // file's folder, or in its own cwd for stdin) and the notebook's relative paths resolve.
      const result = spawnSync(
        path.join(repoRoot, ".venv", "bin", "jupyter"),
        [
          "nbconvert",
          "--stdin",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.timeout=600",
          "--ExecutePreprocessor.kernel_name=tsfine",
          "--output-dir",
          tmp,
          "--output",
          `${name}.nbconvert.ipynb`,
        ],
        { cwd: examples, env: jupyter.env, input: JSON.stringify(values ? withParameters(committed, values) : committed), encoding: "utf8", timeout: 660_000 },
      );
      record(name, "jupyter nbconvert", (Date.now() - started) / 1000, values);
      expect(result.stderr).not.toMatch(/CellExecutionError|Traceback/);
      expect(result.status).toBe(0);
      const nb = readNotebook(path.join(tmp, `${name}.nbconvert.ipynb`));
      expect(errors(nb)).toEqual([]);
      expect(nb.metadata.kernelspec.name).toBe("tsfine");
      expectStaticFigures(nb, 1);
    }, 700_000);

    test("papermill (tsfine_papermill) with parameters changed", () => {
      const values = planFor(name).papermill;
      const output = path.join(tmp, `${name}.papermill.ipynb`);
      const started = Date.now();
      const result = jupyter.run(
        "python",
        [
          path.join(repoRoot, "python", "tsfine_papermill.py"),
          path.join(examples, `${name}.ipynb`),
          output,
          "-k",
          "tsfine",
          "--cwd",
          examples,
          "-y",
          JSON.stringify(values),
        ],
        { cwd: examples, timeoutMs: 660_000 },
      );
      record(name, "papermill", (Date.now() - started) / 1000, values);
      expect(result.status).toBe(0);
      const nb = readNotebook(output);
      expect(errors(nb)).toEqual([]);
      const injected = text(nb.cells.find((c) => (c.metadata.tags ?? []).includes("injected-parameters"))?.source);
      for (const [key, value] of Object.entries(values)) expect(injected).toContain(`const ${key} = ${JSON.stringify(value).replace(/,/g, ", ")};`);
      expectStaticFigures(nb, 1);
    }, 700_000);
  });

  test("quickstart: papermill's values reach the computed sentences", () => {
    const nb = readNotebook(path.join(tmp, "quickstart.papermill.ipynb"));
    expect(displayedMarkdown(nb)).toMatch(/After 2 epochs/);
    expect(displayedMarkdown(nb)).toMatch(/after training on 100 labelled pictures/);
  });

  // Converting a 5 MB notebook to HTML takes about a minute here; every notebook's figures are
  // built the same way (checked without nbconvert above), so one notebook stands for all.
  test("nbconvert --to html of quickstart shows every figure as its static image before any script runs", () => {
    const result = jupyter.run(
      "jupyter",
      ["nbconvert", "--to", "html", "--output-dir", tmp, "--output", "quickstart.html", path.join(examples, "quickstart.ipynb")],
      { timeoutMs: 240_000 },
    );
    expect(result.status).toBe(0);
    const html = fs.readFileSync(path.join(tmp, "quickstart.html"), "utf8");
    const figures = allOutputs(readNotebook(path.join(examples, "quickstart.ipynb"))).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
    expect(figures.length).toBeGreaterThan(0);
    expect(html.match(/class="tsfine-plotly"[^>]*><svg/g) ?? []).toHaveLength(figures.length);
  }, 300_000);
});
