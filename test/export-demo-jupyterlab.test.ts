/**
 * `%demo model` in JupyterLab 4, in Debian's chromium: the demo page shows inline in a frame,
 * loads the model with the tfjs inlined in it (nothing comes from the Jupyter server), and an
 * image set through its file input — PNG or JPEG — shows the top label tl.predict gives in the
 * same kernel; a file that is not an image gets one sentence. Screenshot: test-output/jupyterlab/demo.png.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import type { FrameLocator, Page } from "playwright-core";
import { describeWithJupyter, notebook, repoRoot } from "./helpers/jupyter-env";
import { jupyterInBrowser } from "./helpers/jupyter-in-browser";
import { jupyterLabArgs, labNotebookReady, labRunAll } from "./helpers/jupyter-server";
import { encodePng } from "../display/png-encoder";
import { mnist } from "../tl/data/mnist";

jest.setTimeout(420_000);

const screenshots = path.join(repoRoot, "test-output", "jupyterlab");

const CELLS = [
  [
    'await tl.backend.init("wasm");',
    "const data = await tl.data.mnist({ perClass: 20, testPerClass: 2, seed: 1 });",
    'const base = await tl.backbone("fashion_cnn");',
    "tl.freeze(base);",
    'const model = tl.classifier(base, { classes: 10, pooling: "flatten", normalize: true });',
    "await tl.fit(model, data, { epochs: 3, lr: 3e-3, seed: 1, batchSize: 16, verbose: false });",
  ].join("\n"),
  "%export model ./digits --data data",
  'for (const file of ["digit.png", "digit.jpg"]) console.log(`${file} → ${(await tl.predict(model, file)).label}`);',
  "%demo model",
];

/** A test digit at 64×64: an RGB PNG and a JPEG, another size and channel count than the 28×28 grey data. */
async function writeDigitFiles(dir: string): Promise<void> {
  const data = await mnist({ perClass: 1, testPerClass: 1, seed: 3 });
  const { xs, ys } = data.test!.batch([0]);
  const big = tf.tidy(() =>
    tf.image
      .resizeBilinear(xs as tf.Tensor4D, [64, 64])
      .mul(255)
      .round()
      .clipByValue(0, 255),
  );
  const grey = big.dataSync();
  tf.dispose([xs, ys, big]);
  const rgb = new Uint8Array(64 * 64 * 3).map((_, i) => grey[Math.floor(i / 3)]);
  const rgba = new Uint8Array(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : grey[Math.floor(i / 4)]));
  fs.writeFileSync(path.join(dir, "digit.png"), encodePng({ width: 64, height: 64, channels: 3, data: rgb }));
  fs.writeFileSync(path.join(dir, "digit.jpg"), jpeg.encode({ width: 64, height: 64, data: Buffer.from(rgba) }, 95).data);
  fs.writeFileSync(path.join(dir, "notes.png"), "not pixels\n");
}

describeWithJupyter("%demo in JupyterLab 4", () => {
  const session = jupyterInBrowser(jupyterLabArgs, async (dir) => {
    fs.mkdirSync(screenshots, { recursive: true });
    fs.writeFileSync(path.join(dir, "demo.ipynb"), JSON.stringify(notebook(CELLS)));
    await writeDigitFiles(dir);
  });

  async function topLabel(frame: FrameLocator, file: string): Promise<string> {
    await frame.locator("body").evaluate((body) => (body.dataset.top = ""));
    await frame.locator("#file").setInputFiles(path.join(session.jupyter.dir, file));
    await frame.locator("body[data-top]:not([data-top=''])").waitFor({ timeout: 60_000 });
    return (await frame.locator("body").getAttribute("data-top")) ?? "";
  }

  test("the demo page shows inline, and a PNG or JPEG chosen in it gets tl.predict's top label", async () => {
    const page: Page = await session.browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const shot = (name: string) => page.screenshot({ path: path.join(screenshots, name), fullPage: true });
    await page.goto(`${session.server.baseUrl}/lab/tree/demo.ipynb`);
    await labNotebookReady(page).catch(async (error) => {
      await shot("demo-failed-open.png");
      throw error;
    });
    await labRunAll(page);

    const predictions = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output");
    await predictions
      .filter({ hasText: "digit.jpg →" })
      .waitFor({ timeout: 240_000 })
      .catch(async (error) => {
        await shot("demo-failed-run.png");
        throw error;
      });
    const printed = await predictions.allInnerTexts();
    const expected = (file: string) => new RegExp(`${file.replace(".", "\\.")} → (\\S+)`).exec(printed.join("\n"))?.[1];
    expect(expected("digit.png")).toMatch(/^\d$/);
    expect(expected("digit.jpg")).toMatch(/^\d$/);

    const demoCell = page.locator(".jp-Cell").nth(3);
    await demoCell.locator("iframe.tsfine-demo").waitFor({ timeout: 120_000 });
    const frame = demoCell.frameLocator("iframe.tsfine-demo");
    await frame.locator("body[data-ready=true]").waitFor({ timeout: 120_000 });
    expect(await frame.locator("h1").textContent()).toBe("fashion_cnn_classifier (fashion_cnn)");

    expect(await topLabel(frame, "digit.png")).toBe(expected("digit.png"));
    expect(await frame.locator("#predictions li").count()).toBe(3);
    expect(await topLabel(frame, "digit.jpg")).toBe(expected("digit.jpg"));
    await demoCell.scrollIntoViewIfNeeded();
    await shot("demo.png");

    await frame.locator("#file").setInputFiles(path.join(session.jupyter.dir, "notes.png"));
    await frame.locator("#status", { hasText: "not an image" }).waitFor({ timeout: 30_000 });
    expect(await frame.locator("#status").textContent()).toBe("notes.png is not an image this browser can read; choose a PNG or JPEG file.");
    expect(errors).toEqual([]);
    await page.close();
  });
});
