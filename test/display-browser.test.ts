/**
 * Opens display/'s HTML outputs in a real browser (Debian's chromium through playwright-core):
 * two plotly figures one after another (only the first carries plotly.js), an image grid, and
 * a progress bar, on a page with no network. Also a classic-Notebook-like page where
 * requirejs' `define` exists, and a page with JavaScript off (GitHub, nbconvert without scripts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { CHROMIUM, describeInBrowser, hasChromium, launchChromium } from "./helpers/browser";
import { display, plot, resetPlotlyInlining, setDisplaySink, type DisplayEvent } from "../display";
import { CARTESIAN_TRACE_TYPES, librarySource } from "../display/plotly/library";
import { curvesFigure } from "../tl/fit/live-curves";

jest.setTimeout(180_000);

const OUTPUT_DIR = join(__dirname, "..", "test-output", "display-browser");

if (!hasChromium && !process.env.CI) {
  console.log(`Skipping the display browser test: ${CHROMIUM} is missing (apt-get install chromium).`);
}

const NBCONVERT = join(__dirname, "..", ".venv", "bin", "jupyter-nbconvert");

/** Every display call as a Jupyter client receives it (no update folding). */
function displayEvents(show: () => void): DisplayEvent[] {
  const events: DisplayEvent[] = [];
  setDisplaySink({ display: (event) => events.push(event), clearOutput: () => undefined });
  try {
    show();
  } finally {
    setDisplaySink(undefined);
  }
  return events;
}

/** The text/html of each output as a Jupyter client shows it: an update replaces its display_id's output. */
function htmlOutputs(show: () => void): string[] {
  const events: DisplayEvent[] = [];
  const record = (event: DisplayEvent) => {
    const index = event.update ? events.findIndex((e) => e.displayId === event.displayId) : -1;
    if (index >= 0) events[index] = event;
    else events.push(event);
  };
  setDisplaySink({ display: record, clearOutput: () => undefined });
  try {
    show();
    display.flush();
  } finally {
    setDisplaySink(undefined);
  }
  return events.map((event) => String(event.data["text/html"] ?? ""));
}

function page(outputs: string[], head = ""): string {
  const cells = outputs.map((html, i) => `<div class="output" data-index="${i}">${html}</div>`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8">${head}</head><body style="width:900px">${cells}</body></html>`;
}

function gradient(height: number, width: number, channels: number): { shape: number[]; data: Float32Array } {
  return { shape: [height, width, channels], data: Float32Array.from({ length: height * width * channels }, (_, i) => ((i * 7) % 256) / 255) };
}

describeInBrowser("display outputs in a real browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(name: string, html: string, javaScriptEnabled = true): Promise<{ page: Page; errors: string[] }> {
    const file = join(OUTPUT_DIR, `${name}.html`);
    writeFileSync(file, html);
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 960, height: 1400 } });
    // No network: every request other than the page itself fails, as on a machine offline.
    await context.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    const opened = await context.newPage();
    const errors: string[] = [];
    opened.on("pageerror", (error) => errors.push(error.message));
    await opened.goto(`file://${file}`);
    return { page: opened, errors };
  }

  const figureState = (p: Page) =>
    p.$$eval(".tsfine-plotly", (divs) =>
      divs.map((div) => ({
        plotlySvgs: div.querySelectorAll("svg.main-svg").length,
        lines: div.querySelectorAll(".scatterlayer .trace").length,
        bars: div.querySelectorAll(".barlayer .point").length,
        staticSvgs: div.querySelectorAll(":scope > svg").length,
      })),
    );

  it("draws two plotly figures, an image grid and a progress bar offline", async () => {
    resetPlotlyInlining();
    const outputs = htmlOutputs(() => {
      display(plot.line({ loss: [2.3, 1.2, 0.8, 0.6], val_loss: [2.4, 1.5, 1.1, 1.0] }, { title: "Loss", xLabel: "epoch" }));
      display(plot.bar({ cat: 12, dog: 7, bird: 3 }, undefined, { title: "Errors per class" }));
      display.imageGrid(
        [
          { image: gradient(28, 28, 1), truth: "cat", prediction: "cat", confidence: 0.97 },
          { image: gradient(32, 32, 3), truth: "dog", prediction: "cat", confidence: 0.55 },
          { image: gradient(16, 16, 4), truth: "bird", prediction: "bird", confidence: 0.81 },
        ],
        { columns: 3 },
      );
      const bar = display.progress(10, "epoch 1");
      bar.tick(4);
      bar.done();
    });
    const { page: p, errors } = await open("figures", page(outputs));
    await p.waitForFunction(() => document.querySelectorAll(".tsfine-plotly svg.main-svg").length >= 2, undefined, { timeout: 20_000 });

    const figures = await figureState(p);
    expect(figures).toHaveLength(2);
    expect(figures[0].plotlySvgs).toBeGreaterThan(0);
    expect(figures[0].lines).toBe(2);
    expect(figures[1].plotlySvgs).toBeGreaterThan(0);
    expect(figures[1].bars).toBe(3);
    expect(figures.map((f) => f.staticSvgs)).toEqual([0, 0]);

    const imageWidths = await p.$$eval(".tsfine-image-grid img", (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
    expect(imageWidths).toEqual([28, 32, 16]);
    expect(await p.$$eval(".tsfine-wrong", (tiles) => tiles.length)).toBe(1);
    expect(await p.textContent(".tsfine-progress")).toMatch(/10\/10 .*done/);
    expect(errors).toEqual([]);
    await p.screenshot({ path: join(OUTPUT_DIR, "figures.png"), fullPage: true });
  });

  it("loads plotly.js once even when a second output carries it, and keeps requirejs' define untouched", async () => {
    resetPlotlyInlining();
    const first = htmlOutputs(() => display(plot.line([1, 3, 2])));
    resetPlotlyInlining();
    const again = htmlOutputs(() => display(plot.scatter([1, 2, 3], [3, 1, 2])));
    // A requirejs-style define like classic Notebook 6 has: an anonymous define call would be a bug.
    const requirejsLike = `<script>window.defineCalls = 0; window.define = function () { window.defineCalls++; }; window.define.amd = {};</script>`;
    const marker = `<script>window.Plotly.loadedOnce = true;</script>`;
    const { page: p, errors } = await open("classic-notebook", page([...first, marker, ...again], requirejsLike));
    await p.waitForFunction(() => document.querySelectorAll(".tsfine-plotly svg.main-svg").length >= 2, undefined, { timeout: 20_000 });
    expect(await p.evaluate(() => (window as unknown as { Plotly: { loadedOnce?: boolean } }).Plotly.loadedOnce)).toBe(true);
    expect(await p.evaluate(() => (window as unknown as { defineCalls: number }).defineCalls)).toBe(0);
    expect(await p.evaluate(() => typeof (window as unknown as { define: unknown }).define)).toBe("function");
    expect(errors).toEqual([]);
  });

  it("draws cartesian figures with the cartesian bundle and a later polar figure with the full one it brings", async () => {
    resetPlotlyInlining();
    const outputs = htmlOutputs(() => {
      display(plot.line({ loss: [2.3, 1.2, 0.8] }, { title: "Loss" }));
      display.plotly([{ type: "scatterpolar", r: [1, 2, 3], theta: [0, 90, 180], mode: "lines+markers" }], { title: "Polar" });
      display(plot.bar({ a: 1, b: 2 }));
    });
    expect(outputs.map((html) => html.match(/tsfine: plotly\.js \((\w+) bundle\)/)?.[1] ?? "none")).toEqual(["cartesian", "full", "none"]);
    const { page: p, errors } = await open("cartesian-then-full", page(outputs));
    await p.waitForFunction(() => document.querySelectorAll(".tsfine-plotly.js-plotly-plot").length >= 3, undefined, { timeout: 30_000 });
    expect(
      await p.$$eval(".tsfine-plotly", (divs) => divs.map((div) => div.querySelectorAll(".scatterlayer .trace, .barlayer .point, .polarlayer .trace").length)),
    ).toEqual([1, 1, 2]);
    expect(await p.evaluate(() => (window as unknown as { Plotly: { tsfineLibrary: string } }).Plotly.tsfineLibrary)).toBe("full");
    expect(errors).toEqual([]);
    // Reopened in another order (the full bundle's output first): the cartesian copy is not loaded over it.
    const { page: reordered, errors: reorderedErrors } = await open("full-then-cartesian", page([outputs[1], outputs[0], outputs[2]]));
    await reordered.waitForFunction(() => document.querySelectorAll(".tsfine-plotly.js-plotly-plot").length >= 3, undefined, { timeout: 30_000 });
    expect(await reordered.evaluate(() => (window as unknown as { Plotly: { tsfineLibrary: string } }).Plotly.tsfineLibrary)).toBe("full");
    expect(reorderedErrors).toEqual([]);
  });

  it("a figure that needs the full bundle keeps its static image when the page has only the cartesian one", async () => {
    resetPlotlyInlining();
    const cartesian = htmlOutputs(() => display(plot.line([1, 3, 2])));
    const polar = htmlOutputs(() => display.plotly([{ type: "scatterpolar", r: [1, 2], theta: [0, 90] }]));
    const withoutLibrary = polar[0].replace(/<script type="text\/javascript">\/\* tsfine: plotly\.js[\s\S]*?<\/script>/, "");
    expect(withoutLibrary.length).toBeLessThan(20_000);
    const { page: p, errors } = await open("full-missing", page([cartesian[0], withoutLibrary]));
    await p.waitForFunction(() => document.querySelectorAll(".tsfine-plotly.js-plotly-plot").length >= 1, undefined, { timeout: 20_000 });
    await p.waitForTimeout(500);
    expect(
      await p.$$eval(".tsfine-plotly", (divs) =>
        divs.map((div) => [div.querySelectorAll("svg.main-svg").length > 0, div.querySelectorAll(":scope > svg").length]),
      ),
    ).toEqual([
      [true, 0],
      [false, 1],
    ]);
    expect(errors).toEqual([]);
  });

  it("the cartesian bundle registers exactly the trace types display/ sends to it", async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.setContent("<!doctype html><html><body></body></html>");
    await p.addScriptTag({ content: librarySource("cartesian") });
    const traces = await p.evaluate(() =>
      Object.keys((window as unknown as { Plotly: { PlotSchema: { get(): { traces: object } } } }).Plotly.PlotSchema.get().traces),
    );
    expect(traces.sort()).toEqual([...CARTESIAN_TRACE_TYPES].sort());
    await context.close();
  });

  it("draws the training curves' accuracy axis as 0–100 % with its labels and title inside the figure", async () => {
    resetPlotlyInlining();
    const epochs = [1, 2, 3, 4, 5].map((epoch) => ({ epoch, loss: 2.3 / epoch, valLoss: 2.4 / epoch, acc: 0.1 + 0.15 * epoch, valAcc: 0.08 + 0.14 * epoch }));
    const outputs = htmlOutputs(() => display(curvesFigure({ history: { epochs }, classification: true } as never)));
    const { page: p, errors } = await open("training-curves", page(outputs));
    await p.waitForSelector(".tsfine-plotly svg.main-svg .y2tick text");
    expect(await p.$$eval(".y2tick text", (labels) => labels.map((l) => l.textContent))).toEqual(["0%", "20%", "40%", "60%", "80%", "100%"]);
    const inside = await p.$$eval(".tsfine-plotly", ([div]) => {
      const figure = div.querySelector("svg.main-svg")!.getBoundingClientRect();
      const boxes = [...div.querySelectorAll(".y2tick text, .g-y2title text, .legend")].map((e) => e.getBoundingClientRect());
      return boxes.every((b) => b.top >= figure.top && b.bottom <= figure.bottom && b.left >= figure.left && b.right <= figure.right);
    });
    expect(inside).toBe(true);
    expect(errors).toEqual([]);
  });

  it("shows the static SVG and the images with JavaScript off", async () => {
    resetPlotlyInlining();
    const outputs = htmlOutputs(() => {
      display(
        plot.heatmap(
          [
            [50, 2, 1],
            [3, 40, 7],
            [0, 5, 45],
          ],
          { x: ["cat", "dog", "bird"], y: ["cat", "dog", "bird"], title: "Confusion" },
        ),
      );
      display.imageGrid([{ image: gradient(28, 28, 1), truth: 1, prediction: 7 }]);
    });
    const { page: p } = await open("no-javascript", page(outputs), false);
    const figures = await figureState(p);
    expect(figures).toEqual([{ plotlySvgs: 0, lines: 0, bars: 0, staticSvgs: 1 }]);
    expect(await p.$$eval(".tsfine-plotly > svg rect", (rects) => rects.length)).toBe(10);
    await p.waitForFunction(() => [...document.images].every((img) => img.complete));
    expect(await p.$$eval("img", (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth))).toEqual([28]);
    await p.screenshot({ path: join(OUTPUT_DIR, "no-javascript.png"), fullPage: true });
  });

  it("draws the figures in nbconvert's HTML export of a saved notebook, offline", async () => {
    if (!existsSync(NBCONVERT)) {
      if (process.env.CI) throw new Error(`${NBCONVERT} is missing; CI must create the test venv (test/requirements.txt).`);
      console.log(`Skipping the nbconvert check: ${NBCONVERT} is missing.`);
      return;
    }
    resetPlotlyInlining();
    const events = displayEvents(() => {
      display(plot.line({ accuracy: [0.5, 0.7, 0.8, 0.85] }, { title: "Accuracy" }));
      display(plot.histogram([1, 2, 2, 3, 3, 3, 4, 4, 5]));
      display.imageGrid([{ image: gradient(28, 28, 1), truth: 3, prediction: 3 }]);
    });
    const cells = events.map((event, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      execution_count: i + 1,
      metadata: {},
      source: [`display(figure${i})`],
      outputs: [{ output_type: "display_data", data: event.data, metadata: event.metadata ?? {} }],
    }));
    const dir = mkdtempSync(join(tmpdir(), "tsfine-nbconvert-"));
    try {
      const notebookPath = join(dir, "figures.ipynb");
      writeFileSync(notebookPath, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
      const env = { ...process.env, JUPYTER_DATA_DIR: dir, JUPYTER_CONFIG_DIR: dir, JUPYTER_RUNTIME_DIR: dir, IPYTHONDIR: dir };
      const result = spawnSync(NBCONVERT, ["--to", "html", notebookPath], { env, encoding: "utf8" });
      expect(result.status).toBe(0);
      const html = readFileSync(join(dir, "figures.html"), "utf8");
      expect(html.match(/Plotly\.newPlot/g)).toHaveLength(2);
      const { page: p, errors } = await open("nbconvert", html);
      await p.waitForFunction(() => document.querySelectorAll(".tsfine-plotly.js-plotly-plot").length >= 2, undefined, { timeout: 20_000 });
      expect(await p.$$eval(".tsfine-image-grid img", (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth))).toEqual([28]);
      expect(errors).toEqual([]);
      await p.screenshot({ path: join(OUTPUT_DIR, "nbconvert.png"), fullPage: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
