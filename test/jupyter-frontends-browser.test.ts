/**
 * What a person sees in JupyterLab 4 and in the classic Notebook (nbclassic): open a notebook in
 * Debian's chromium, run all cells on the tsfine kernel, and check the plotly chart is drawn, the
 * image grid decoded, a live output shows its final value and a progress bar shows once, finished; then reload the saved notebook and
 * check the chart is drawn again without re-running. Screenshots go to test-output/jupyterlab/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Page } from "playwright-core";
import { describeWithJupyter, notebook, repoRoot } from "./helpers/jupyter-env";
import { jupyterInBrowser } from "./helpers/jupyter-in-browser";
import { waitUntil } from "./helpers/wait-until";
import { classicNotebookReady, jupyterLabArgs, labNotebookReady, labRunAll, nbclassicArgs } from "./helpers/jupyter-server";

jest.setTimeout(300_000);

const screenshots = path.join(repoRoot, "test-output", "jupyterlab");

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
  ["const live = display.live('starting');", "for (let i = 1; i <= 200; i++) { live.update(`step ${i}`); await new Promise((r) => setTimeout(r, 2)); }"].join(
    "\n",
  ),
  ["const bar = display.progress(5, 'steps');", "for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 30)); bar.tick(); }", "bar.done();"].join(
    "\n",
  ),
];

interface Frontend {
  name: string;
  /** jupyter subcommand and its options (token off, loopback only). */
  args(port: number, root: string): string[];
  notebookPath: string;
  /** Waits until the notebook is open with the tsfine kernel idle. */
  ready(page: Page): Promise<void>;
  runAll(page: Page): Promise<void>;
  save(page: Page): Promise<void>;
  output: string;
  cell: string;
}

const JUPYTERLAB: Frontend = {
  name: "JupyterLab 4",
  args: jupyterLabArgs,
  notebookPath: "/lab/tree/figures.ipynb",
  ready: labNotebookReady,
  runAll: labRunAll,
  async save(page) {
    await page.keyboard.press("Control+s");
  },
  output: ".jp-OutputArea-output",
  cell: ".jp-Cell",
};

const CLASSIC: Frontend = {
  name: "classic Notebook (nbclassic)",
  args: nbclassicArgs,
  notebookPath: "/notebooks/figures.ipynb",
  ready: classicNotebookReady,
  async runAll(page) {
    await page.click("#celllink");
    await page.click("#run_all_cells a");
  },
  async save(page) {
    await page.evaluate(() => (window as any).Jupyter.notebook.save_checkpoint());
  },
  output: ".output_area",
  cell: ".cell",
};

for (const frontend of [JUPYTERLAB, CLASSIC]) {
  describeWithJupyter(`${frontend.name} in a real browser`, () => {
    const shot = (name: string) => path.join(screenshots, `${frontend === JUPYTERLAB ? "lab" : "classic"}-${name}.png`);
    const session = jupyterInBrowser(frontend.args, (dir) => {
      fs.mkdirSync(screenshots, { recursive: true });
      fs.writeFileSync(path.join(dir, "figures.ipynb"), JSON.stringify(notebook(CELLS)));
    });

    async function openNotebook(): Promise<Page> {
      const page = await session.browser.newPage({ viewport: { width: 1280, height: 1600 } });
      await page.goto(`${session.server.baseUrl}${frontend.notebookPath}`);
      await frontend.ready(page).catch(async (error) => {
        await page.screenshot({ path: shot("failed-open"), fullPage: true });
        throw error;
      });
      return page;
    }

    test("run all: chart drawn, grid images decoded, live output final, one finished progress bar; reload shows the chart again", async () => {
      const page = await openNotebook();
      await frontend.runAll(page);

      const plot = page.locator(`${frontend.output} .js-plotly-plot .main-svg`).first();
      await plot.waitFor({ timeout: 120_000 }).catch(async (error) => {
        await page.screenshot({ path: shot("failed-run"), fullPage: true });
        throw error;
      });
      expect(await page.locator(".js-plotly-plot .scatterlayer .trace").count()).toBeGreaterThan(0);

      await page.waitForFunction(() => document.body.innerText.includes("step 200"), undefined, { timeout: 120_000 });
      const images = page.locator(`${frontend.output} img`);
      await images.first().waitFor({ timeout: 60_000 });
      const widths = await images.evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
      expect(widths.length).toBeGreaterThanOrEqual(2);
      expect(widths.every((w) => w > 0)).toBe(true);
      const liveOutput = await page.locator(frontend.cell).nth(3).locator(frontend.output).first().innerText();
      expect(liveOutput).toContain("step 200");
      expect(liveOutput).not.toContain("starting");
      // The bar's final state also travels as a text-only echo for terminals (jupyter console); here it must not show.
      const progressCell = page.locator(frontend.cell).nth(4);
      await progressCell.locator(".tsfine-progress", { hasText: "done" }).waitFor({ timeout: 60_000 });
      expect(await progressCell.locator(".tsfine-progress").count()).toBe(1);
      const progressText = (await progressCell.locator(frontend.output).allInnerTexts()).join("\n");
      expect(progressText.match(/5\/5/g)).toHaveLength(1);
      await page.screenshot({ path: shot("after-run"), fullPage: true });

      const savedPath = path.join(session.jupyter.dir, "figures.ipynb");
      const readSaved = () => {
        try {
          return JSON.parse(fs.readFileSync(savedPath, "utf8"));
        } catch {
          return undefined; // the server may be writing it
        }
      };
      await frontend.save(page);
      // the file as the test wrote it has no outputs: wait for the front end's save to land
      await waitUntil(() => (readSaved()?.cells?.[1]?.outputs?.length ?? 0) > 0, "the saved notebook to hold the run's outputs", {
        timeoutMs: 30_000,
        intervalMs: 100,
      }).catch(() => undefined);
      const saved = readSaved();
      expect(saved.cells[1].outputs.length).toBeGreaterThan(0);
      await page.close();

      const reopened = await openNotebook();
      await reopened
        .locator(`${frontend.output} .js-plotly-plot .main-svg`)
        .first()
        .waitFor({ timeout: 60_000 })
        .catch(async (error) => {
          await reopened.screenshot({ path: shot("failed-reload"), fullPage: true });
          throw error;
        });
      await reopened.screenshot({ path: shot("after-reload"), fullPage: true });
      await reopened.close();
    });
  });
}
