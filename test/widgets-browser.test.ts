/**
 * Widgets as a person uses them in JupyterLab 4 (with ipywidgets' front end from
 * test/requirements.txt), in Debian's chromium: the slider renders, moving it changes the value
 * the next cell reads and runs the observer, a button's click runs its callback and its output
 * appears in an Output widget, interact runs its function again when a control changes, and a
 * widget written in the notebook (anywidget's ES module) renders and its clicks reach the kernel;
 * a button whose callback has no Output widget prints under its own cell; a reloaded page draws
 * them again from the running kernel; tl.fit's Stop button ends training. In the classic Notebook
 * (nbclassic with widgetsnbextension): the slider, a button's output, and a callback's print under its cell.
 * Screenshots go to test-output/widgets/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Page } from "playwright-core";
import { waitUntil } from "./helpers/wait-until";
import { describeWithJupyter, notebook, repoRoot } from "./helpers/jupyter-env";
import { jupyterInBrowser } from "./helpers/jupyter-in-browser";
import { classicNotebookReady, jupyterLabArgs, labRunAll, nbclassicArgs } from "./helpers/jupyter-server";

jest.setTimeout(300_000);

const screenshots = path.join(repoRoot, "test-output", "widgets");

const CELLS = [
  [
    'const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "n" });',
    "let observed = -1;",
    's.observe((change) => { observed = change.new; }, "value");',
    "s",
  ].join("\n"),
  [
    "const out = new widgets.Output();",
    'const b = new widgets.Button({ description: "Say hi", button_style: "primary" });',
    'b.onClick(out.capture(() => console.log("hi from the button")));',
    "new widgets.VBox([b, out])",
  ].join("\n"),
  "`slider ${s.value}, observer saw ${observed}`",
  'widgets.interact(({ layers, lr }) => `training ${layers} at ${lr}`, { layers: ["all", "head"], lr: [0, 0.1] })',
  [
    "const counter = widgets.anywidget({",
    "  esm: `export default { render({ model, el }) {",
    "    const button = document.createElement('button');",
    "    button.className = 'tsfine-counter';",
    "    const show = () => { button.textContent = 'clicked ' + model.get('count') + ' times'; };",
    "    button.addEventListener('click', () => { model.set('count', model.get('count') + 1); model.save_changes(); });",
    "    model.on('change:count', show);",
    "    show();",
    "    el.appendChild(button);",
    "  } }`,",
    "  state: { count: 0 },",
    "});",
    "counter",
  ].join("\n"),
  "`count ${counter.count}`",
  [
    'const greet = new widgets.Button({ description: "Greet" });',
    'greet.onClick(() => console.log("hello from a callback with no Output widget"));',
    "greet",
  ].join("\n"),
];
const GREET_CELL = CELLS.length - 1;

const FIT_CELLS = [
  [
    "const n = 256;",
    "const data = tl.data.fromTensors(tf.randomNormal([n, 8], 0, 1, 'float32', 1), Array.from({ length: n }, (_, i) => i % 2), { seed: 1 });",
    "const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 2, activation: 'softmax' })] });",
    "const history = await tl.fit(model, data, { epochs: 100000, batchSize: 32, controls: true });",
    "`stopped by the ${history.stopped} after ${history.epochs.length} epochs`",
  ].join("\n"),
];

describeWithJupyter("widgets in JupyterLab 4 in a real browser", () => {
  const shot = (name: string) => path.join(screenshots, `lab-${name}.png`);
  const session = jupyterInBrowser(jupyterLabArgs, (dir) => {
    fs.mkdirSync(screenshots, { recursive: true });
    fs.writeFileSync(path.join(dir, "widgets.ipynb"), JSON.stringify(notebook(CELLS)));
    fs.writeFileSync(path.join(dir, "fit.ipynb"), JSON.stringify(notebook(FIT_CELLS)));
  });

  async function step<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await page.screenshot({ path: shot(`failed-${name}`), fullPage: true });
      throw error;
    }
  }

  /** Runs one cell as a person does: click into it, Shift+Enter. */
  async function runCell(page: Page, index: number): Promise<void> {
    await page.locator(".jp-Cell").nth(index).locator(".jp-InputArea-editor").click();
    await page.keyboard.press("Shift+Enter");
  }

  test("the slider renders and moving it reaches the kernel; a click runs the callback and its output appears; interact re-runs on change; an anywidget renders and syncs", async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 1200 } });
    page.on("console", (message) => process.env.TSFINE_DEBUG && process.stderr.write(`[browser] ${message.text()}\n`));
    await page.goto(`${session.server.baseUrl}/lab/tree/widgets.ipynb`);
    await step(page, "open", async () => {
      await page.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
      await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 60_000 });
    });
    await labRunAll(page);

    const sliderCell = page.locator(".jp-Cell").nth(0);
    const readout = sliderCell.locator(".widget-slider .widget-readout");
    await step(page, "slider", () => readout.waitFor({ timeout: 120_000 }));
    expect((await readout.innerText()).trim()).toBe("3");
    expect(await sliderCell.locator(".widget-label", { hasText: "n" }).count()).toBe(1);
    const answer = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output");
    await step(page, "first-read", () => answer.filter({ hasText: "slider 3, observer saw -1" }).waitFor({ timeout: 60_000 }));
    await page.screenshot({ path: shot("rendered"), fullPage: true });

    // move the slider as a keyboard user does: focus its handle, two steps right
    const handle = sliderCell.locator(".noUi-handle");
    await handle.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await step(page, "moved", () =>
      page.waitForFunction(() => document.querySelector(".jp-Cell .widget-readout")?.textContent?.trim() === "5", undefined, { timeout: 30_000 }),
    );
    await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 60_000 });
    await runCell(page, 2);
    await step(page, "second-read", () => answer.filter({ hasText: "slider 5, observer saw 5" }).waitFor({ timeout: 60_000 }));

    const buttonCell = page.locator(".jp-Cell").nth(1);
    await buttonCell.locator("button", { hasText: "Say hi" }).click();
    await step(page, "click", () => buttonCell.locator(".widget-output", { hasText: "hi from the button" }).waitFor({ timeout: 60_000 }));
    await page.screenshot({ path: shot("after-click"), fullPage: true });

    const interactCell = page.locator(".jp-Cell").nth(3);
    await step(page, "interact", () => interactCell.locator(".widget-output", { hasText: "training all at 0.05" }).waitFor({ timeout: 60_000 }));
    await interactCell.locator(".widget-dropdown select").selectOption({ label: "head" });
    await step(page, "interact-rerun", () => interactCell.locator(".widget-output", { hasText: "training head at 0.05" }).waitFor({ timeout: 60_000 }));
    expect(await interactCell.locator(".widget-output", { hasText: "training all" }).count()).toBe(0);
    await page.screenshot({ path: shot("after-interact"), fullPage: true });

    // a widget written in the notebook: anywidget's front end runs its module; its clicks reach the kernel
    const counterButton = page.locator(".jp-Cell").nth(4).locator("button.tsfine-counter");
    await step(page, "anywidget", () => counterButton.filter({ hasText: "clicked 0 times" }).waitFor({ timeout: 60_000 }));
    await counterButton.click();
    await counterButton.click();
    await step(page, "anywidget-clicked", () => counterButton.filter({ hasText: "clicked 2 times" }).waitFor({ timeout: 30_000 }));
    await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 60_000 });
    await runCell(page, 5);
    await step(page, "anywidget-read", () =>
      page.locator(".jp-Cell").nth(5).locator(".jp-OutputArea-output", { hasText: "count 2" }).waitFor({ timeout: 60_000 }),
    );
    await page.screenshot({ path: shot("after-anywidget"), fullPage: true });

    // a callback with no Output widget prints under the cell that registered it, below its button
    const greetCell = page.locator(".jp-Cell").nth(GREET_CELL);
    const greet = greetCell.locator("button", { hasText: "Greet" });
    await greet.click();
    const greeting = greetCell.locator(".widget-output", { hasText: "hello from a callback with no Output widget" });
    await step(page, "callback-in-cell", () => greeting.waitFor({ timeout: 60_000 }));
    expect((await greeting.boundingBox())!.y).toBeGreaterThan((await greet.boundingBox())!.y);
    await greeting.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot("callback-in-cell"), fullPage: true });

    // a reloaded page gets the widgets' state from the running kernel (the control comm)
    await page.keyboard.press("Control+s");
    const saved = path.join(session.jupyter.dir, "widgets.ipynb");
    await step(page, "save", () =>
      waitUntil(() => fs.readFileSync(saved, "utf8").includes("count 2"), "the notebook saved with its outputs", { timeoutMs: 30_000 }),
    );
    await page.reload();
    await step(page, "reload", () =>
      page.waitForFunction(() => document.querySelector(".jp-Cell .widget-readout")?.textContent?.trim() === "5", undefined, { timeout: 60_000 }),
    );
    await step(page, "reload-anywidget", () => page.locator("button.tsfine-counter", { hasText: "clicked 2 times" }).waitFor({ timeout: 60_000 }));
    await page.screenshot({ path: shot("after-reload"), fullPage: true });
    await page.close();
  });

  test("tl.fit's controls: the Stop button under the live curves ends training", async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 1200 } });
    // ?reset: a fresh workspace, without the first test's notebook open beside this one
    await page.goto(`${session.server.baseUrl}/lab/tree/fit.ipynb?reset`);
    await step(page, "fit-open", async () => {
      await page.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
      await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 60_000 });
    });
    await runCell(page, 0);
    const cell = page.locator(".jp-Cell").nth(0);
    const stop = cell.locator("button", { hasText: "Stop" });
    await step(page, "fit-controls", async () => {
      await stop.waitFor({ timeout: 120_000 });
      await cell.locator(".widget-slider .widget-readout").waitFor({ timeout: 30_000 });
      await cell.locator(".js-plotly-plot .scatterlayer .trace").first().waitFor({ timeout: 120_000 });
    });
    await page.screenshot({ path: shot("fit-training"), fullPage: true });
    await stop.click();
    // the page draws the kernel's messages in order, so the click shows once the updates sent before it are drawn
    await step(page, "fit-stopped", () => cell.locator(".jp-OutputArea-output", { hasText: "stopped by the Stop button after" }).waitFor({ timeout: 120_000 }));
    await step(page, "fit-stopped-button", () => cell.locator("button", { hasText: "Stopped" }).waitFor({ timeout: 30_000 }));
    expect(await cell.locator("button", { hasText: "Stopped" }).count()).toBe(1);
    await page.screenshot({ path: shot("fit-stopped"), fullPage: true });
    await page.close();
  });
});

describeWithJupyter("widgets in the classic Notebook (nbclassic) in a real browser", () => {
  const session = jupyterInBrowser(nbclassicArgs, (dir) => {
    fs.mkdirSync(screenshots, { recursive: true });
    fs.writeFileSync(path.join(dir, "classic.ipynb"), JSON.stringify(notebook([...CELLS.slice(0, 2), CELLS[GREET_CELL]])));
  });

  test("the slider renders and a button's click shows its output (widgetsnbextension)", async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const shot = (name: string) => path.join(screenshots, `classic-${name}.png`);
    try {
      await page.goto(`${session.server.baseUrl}/notebooks/classic.ipynb`);
      await classicNotebookReady(page);
      await page.click("#celllink");
      await page.click("#run_all_cells a");
      await page.locator(".widget-slider .widget-readout", { hasText: "3" }).waitFor({ timeout: 120_000 });
      await page.locator("button", { hasText: "Say hi" }).click();
      await page.locator(".jupyter-widgets-output-area", { hasText: "hi from the button" }).waitFor({ timeout: 60_000 });
      await page.screenshot({ path: shot("after-click"), fullPage: true });
      // a callback with no Output widget: its print lands under its cell
      await page.locator("button", { hasText: "Greet" }).click();
      await page
        .locator(".cell")
        .nth(2)
        .locator(".jupyter-widgets-output-area", { hasText: "hello from a callback with no Output widget" })
        .waitFor({ timeout: 60_000 });
      await page.screenshot({ path: shot("callback-in-cell"), fullPage: true });
    } catch (error) {
      await page.screenshot({ path: shot("failed"), fullPage: true });
      throw error;
    }
    await page.close();
  });
});
