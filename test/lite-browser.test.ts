/**
 * tsfine's JupyterLite kernel (lite/): the kernel extension and `tsfine lite build` write a static site
 * with the network cut off (a network namespace of its own); chromium opens it from a loopback server,
 * runs a notebook with run-all, then sends cells to the kernel as the notebook does. Screenshots go to
 * test-output/lite/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describeInBrowser, launchChromium } from "./helpers/browser";
import { serveFolder, type StaticServer } from "./helpers/static-server";
import { expandCell } from "../magics";

jest.setTimeout(420_000);

const ROOT = join(__dirname, "..");
const OUTPUT_DIR = join(ROOT, "test-output", "lite");
const NOTEBOOK = join(ROOT, "test", "fixtures", "lite", "smoke.ipynb");
const JUPYTER = join(ROOT, ".venv", "bin", "jupyter");

/** What the suite needs beyond chromium: lite/'s packages and JupyterLite in .venv (.ci/run installs both). */
function missingParts(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(ROOT, "lite", "node_modules", "esbuild"))) missing.push("lite/node_modules (npm ci --prefix lite)");
  if (spawnSync(JUPYTER, ["lite", "--version"]).status !== 0) missing.push("jupyterlite-core in .venv (pip install -r test/requirements.txt)");
  return missing;
}

const missing = missingParts();
const describeLite = missing.length === 0 || process.env.CI ? describeInBrowser : describe.skip;

/** Runs a command in a network namespace of its own (no interface but a downed loopback): proof that it needs no network. */
function offline(command: string[]): void {
  const result = spawnSync("unshare", ["--net", "--", ...command], { cwd: ROOT, encoding: "utf8", env: { ...process.env, JUPYTER } });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed offline (status ${result.status}):\n${result.stderr}\n${result.stdout}`);
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
  reply: { status: string; ename?: string; traceback?: string[] };
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
      await busy;
      const interruptedAt = performance.now();
      await kernel.interrupt();
      const reply = await future.done.catch((error: any) => error?.content ?? error);
      return { reply: reply.content ?? reply, messages, seconds: (performance.now() - interruptedAt) / 1000 } as Executed & { seconds: number };
    },
    [code, when],
  );
}

describeLite("tsfine's browser kernel in JupyterLite", () => {
  const work = mkdtempSync(join(tmpdir(), "tsfine-lite-"));
  const site = join(work, "site");
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`The JupyterLite suite needs ${missing.join(" and ")}.`);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    offline([process.execPath, join(ROOT, "lite", "build.mjs")]);
    offline([process.execPath, join(ROOT, "bin", "tsfine.js"), "lite", "build", NOTEBOOK, "-o", site]);
    // The test reaches the notebook's kernel through the app object, which JupyterLab puts on window on request.
    const config = join(site, "jupyter-lite.json");
    const settings = JSON.parse(readFileSync(config, "utf8"));
    settings["jupyter-config-data"].exposeAppInBrowser = true;
    writeFileSync(config, JSON.stringify(settings));
    server = await serveFolder(site);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`${server.origin}/lab/index.html?path=smoke.ipynb`);
    await page.waitForFunction(() => (window as any).jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === "idle", null, {
      timeout: 120_000,
      polling: 250,
    });
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
    rmSync(work, { recursive: true, force: true });
  });

  it("runs the notebook with run-all: state across cells, a const declared again with a new type, top-level await, display, tf on WebGL", async () => {
    await page.evaluate(() => (window as any).jupyterapp.commands.execute("notebook:run-all-cells"));
    await page.waitForFunction(
      () => {
        const notebook = (window as any).jupyterapp.shell.currentWidget;
        const cells = [...notebook.content.model.cells].filter((cell: any) => cell.type === "code");
        return cells.every((cell: any) => cell.executionCount !== null) && notebook.sessionContext.session.kernel.status === "idle";
      },
      null,
      { timeout: 240_000, polling: 250 },
    );
    const outputs: Output[][] = await page.evaluate(() =>
      [...(window as any).jupyterapp.shell.currentWidget.content.model.cells].map((cell: any) => cell.outputs.toJSON()),
    );
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

  it("reports a type error as cell[N]:line:col before running anything of the cell", async () => {
    const failed = await execute(page, 'sideEffect = "changed";\nconst wrong: number = "text";');
    expect(failed.reply.status).toBe("error");
    expect(failed.reply.ename).toBe("TSError");
    expect(failed.reply.traceback?.[0]).toMatch(/^cell\[\d+\]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'\./);
    const after = await execute(page, "sideEffect");
    expect(after.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("'untouched'");
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
    const refusals = [
      ["%%sh\necho hi", "a page cannot start processes"],
      ["%npm install lodash", "a page cannot install packages"],
      ['import { chunk } from "lodash";\nchunk([1, 2], 1)', "cannot import arbitrary npm packages"],
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
    const after = await execute(page, "model.predict(tf.zeros([1, 28, 28, 1])).shape");
    expect(after.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("[ 1, 10 ]");
  });

  it("stops a loop that never awaits by replacing the worker, and says the state is lost (the page is not cross-origin isolated)", async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const stopped = await runAndInterrupt(page, "while (true) {}");
    writeFileSync(join(OUTPUT_DIR, "interrupt-loop.json"), JSON.stringify({ secondsFromInterruptToReply: stopped.seconds }));
    expect(stopped.reply.status).toBe("error");
    expect(stopped.reply.traceback?.join("\n")).toMatch(/the kernel's worker was replaced: state from earlier cells is lost/);
    const fresh = await execute(page, '["sideEffect" in globalThis, 1 + 1]');
    expect(fresh.messages.find((message) => message.type === "execute_result")?.content.data?.["text/plain"]).toBe("[ false, 2 ]");
  });

  it("made every request to the loopback server", () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(`${server.origin}/`))).toEqual([]);
  });
});
