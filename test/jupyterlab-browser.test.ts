/**
 * What a person sees in JupyterLab 4: open a notebook in Debian's chromium, run all cells on the
 * tsfine kernel, and check the plotly chart is drawn, the image grid decoded and a live output
 * shows its final value; then reload the saved notebook and check the chart is drawn again
 * without re-running. Screenshots go to test-output/jupyterlab/.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { describeWithJupyter, JupyterEnv, makeJupyterEnv, notebook, repoRoot } from "./helpers/jupyter-env";

jest.setTimeout(300_000);

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];
const screenshots = path.join(repoRoot, "test-output", "jupyterlab");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* server not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`JupyterLab did not answer at ${url} within ${timeoutMs} ms`);
}

const CELLS = [
  "const xs = Array.from({ length: 20 }, (_, i) => i);",
  "display.plotly([{ x: xs, y: xs.map((x) => x * x), type: 'scatter', name: 'squares' }], { title: { text: 'squares' } })",
  [
    "const pixels = new Uint8Array(28 * 28).map((_, i) => (i * 7) % 256);",
    "display.imageGrid([",
    "  { image: pixels, shape: [28, 28], caption: 'truth 3 / pred 3' },",
    "  { image: pixels, shape: [28, 28], caption: 'truth 5 / pred 6', wrong: true },",
    "], { columns: 2 })",
  ].join("\n"),
  [
    "const live = display.live('starting');",
    "for (let i = 1; i <= 200; i++) { live.update(`step ${i}`); await new Promise((r) => setTimeout(r, 2)); }",
  ].join("\n"),
];

describeWithJupyter("JupyterLab 4 in a real browser", () => {
  let jupyter: JupyterEnv;
  let lab: ChildProcess;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    }
    fs.mkdirSync(screenshots, { recursive: true });
    jupyter = makeJupyterEnv();
    fs.writeFileSync(path.join(jupyter.dir, "figures.ipynb"), JSON.stringify(notebook(CELLS)));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    lab = spawn(
      path.join(repoRoot, ".venv", "bin", "jupyter"),
      ["lab", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True", `--ServerApp.root_dir=${jupyter.dir}`, "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
      { env: jupyter.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    lab.stderr!.on("data", (d) => process.env.TSFINE_DEBUG && process.stderr.write(d));
    await waitForHttp(`${baseUrl}/api/status`, 60_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    lab?.kill("SIGTERM");
    jupyter?.cleanup();
  });

  async function openNotebook(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${baseUrl}/lab/tree/figures.ipynb`);
    await page.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
    await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 60_000 });
    // JupyterLab may still ask which kernel to use; answer with ours.
    const dialog = page.locator(".jp-Dialog");
    if (await dialog.isVisible().catch(() => false)) {
      await dialog.locator("select").selectOption({ label: "TypeScript (tsfine)" }).catch(() => undefined);
      await dialog.locator("button:has-text('Select')").click();
    }
    return page;
  }

  test("run all: chart drawn, grid images decoded, live output final; reload shows the chart again", async () => {
    const page = await openNotebook();
    await page.click(".lm-MenuBar-itemLabel:text-is('Run')");
    await page.click(".lm-Menu-itemLabel:text-is('Run All Cells')");

    const plot = page.locator(".jp-OutputArea-output .js-plotly-plot .main-svg").first();
    await plot.waitFor({ timeout: 120_000 }).catch(async (error) => {
      await page.screenshot({ path: path.join(screenshots, "failed-run.png"), fullPage: true });
      throw error;
    });
    expect(await page.locator(".js-plotly-plot .scatterlayer .trace").count()).toBeGreaterThan(0);

    await page.waitForFunction(() => document.body.innerText.includes("step 200"), undefined, { timeout: 120_000 });
    const images = page.locator(".jp-OutputArea-output img");
    await images.first().waitFor({ timeout: 60_000 });
    const widths = await images.evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
    expect(widths.length).toBeGreaterThanOrEqual(2);
    expect(widths.every((w) => w > 0)).toBe(true);
    const liveOutput = await page.locator(".jp-Cell").nth(3).locator(".jp-OutputArea").innerText();
    expect(liveOutput).toContain("step 200");
    expect(liveOutput).not.toContain("starting");
    await page.screenshot({ path: path.join(screenshots, "after-run.png"), fullPage: true });

    await page.keyboard.press("Control+s");
    await page.waitForTimeout(1500);
    const saved = JSON.parse(fs.readFileSync(path.join(jupyter.dir, "figures.ipynb"), "utf8"));
    expect(saved.cells[1].outputs.length).toBeGreaterThan(0);
    await page.close();

    const reopened = await openNotebook();
    await reopened.locator(".jp-OutputArea-output .js-plotly-plot .main-svg").first().waitFor({ timeout: 60_000 });
    await reopened.screenshot({ path: path.join(screenshots, "after-reload.png"), fullPage: true });
    await reopened.close();
  });
});
