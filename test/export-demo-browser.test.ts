/**
 * `tsfine demo DIR`: the static page in Debian's chromium, opened from file:// and from a plain
 * static server. An image chosen through its file input gets the top label tl.predict gives.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, extname, join, normalize } from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import { type Browser, type Page } from "playwright-core";
import { describeInBrowser, launchChromium } from "./helpers/browser";
import { encodePng } from "../display/png-encoder";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { mnist } from "../tl/data/mnist";
import { demo } from "../tl/export/demo-frame";
import { exportModel } from "../tl/export/export";
import { load } from "../tl/export/load";
import { predict } from "../tl/export/predict";
import { fit } from "../tl/fit/fit";
import { freeze } from "../tl/freeze";
import { seed as seedAll } from "../tl/seed";
import { classifier } from "../tl/heads";
import { text } from "../tl/text";

jest.setTimeout(240_000);

const ROOT = join(__dirname, "..");
const OUTPUT_DIR = join(ROOT, "test-output", "export-demo");

/** A static file server: what GitHub Pages or `python -m http.server` does, nothing more. */
function serve(folder: string): Promise<Server> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".png": "image/png" };
  const server = createServer((request, response) => {
    const file = join(folder, normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, ""));
    const target = existsSync(file) && statSync(file).isDirectory() ? join(file, "index.html") : file;
    if (!existsSync(target)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": types[extname(target)] ?? "application/octet-stream" });
    createReadStream(target).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describeInBrowser("the demo page of an exported model", () => {
  const work = mkdtempSync(join(tmpdir(), "tsfine-demo-"));
  const exportDir = join(work, "digits");
  const site = join(work, "site");
  const images: string[] = [];
  const expected: string[] = [];
  let browser: Browser;
  let server: Server;

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await backend.init("wasm");
    seedAll(2);
    const data = await mnist({ perClass: 20, testPerClass: 3, seed: 2 });
    const base = await backbone("fashion_cnn");
    freeze(base);
    const model = classifier(base, { classes: 10, pooling: "flatten", normalize: true });
    await fit(model, data, { epochs: 3, lr: 3e-3, seed: 2, batchSize: 16, verbose: false });
    await exportModel(model, exportDir, { data });
    const cli = spawnSync(process.execPath, [join(ROOT, "bin", "tsfine.js"), "demo", exportDir, "-o", site], { encoding: "utf8" });
    expect(cli.stderr).toBe("");
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain("index.html");
    // Two test digits as 64×64 RGB PNGs and JPEGs: another size, channel count and format than the 28×28 grey data.
    const loaded = await load(exportDir);
    const { xs } = data.test!.batch([0, 13]);
    const big = tf.tidy(() =>
      tf.image
        .resizeBilinear(xs as tf.Tensor4D, [64, 64])
        .mul(255)
        .round()
        .clipByValue(0, 255)
        .tile([1, 1, 1, 3]),
    );
    const pixels = big.dataSync();
    for (let i = 0; i < 2; i++) {
      const rgb = Uint8Array.from(pixels.subarray(i * 64 * 64 * 3, (i + 1) * 64 * 64 * 3));
      const png = join(work, `digit-${i}.png`);
      writeFileSync(png, encodePng({ width: 64, height: 64, channels: 3, data: rgb }));
      const jpg = join(work, `digit-${i}.jpg`);
      const rgba = new Uint8Array(64 * 64 * 4).map((_, k) => (k % 4 === 3 ? 255 : rgb[Math.floor(k / 4) * 3 + (k % 4)]));
      writeFileSync(jpg, jpeg.encode({ width: 64, height: 64, data: Buffer.from(rgba) }, 95).data);
      for (const file of [png, jpg]) {
        images.push(file);
        expected.push((await predict(loaded, file)).label);
      }
    }
    xs.dispose();
    big.dispose();
    browser = await launchChromium();
    server = await serve(site);
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function open(url: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    // Offline: only the page's own files load, so tf.min.js must be the local copy.
    await context.route("**/*", (route) => {
      const address = route.request().url();
      return address.startsWith("file:") || address.startsWith(url.split("/index.html")[0]) ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    return { page, errors };
  }

  async function topLabelFor(page: Page, image: string): Promise<string> {
    await page.evaluate(() => (document.body.dataset.top = ""));
    await page.setInputFiles("#file", image);
    await page.waitForFunction(() => Boolean(document.body.dataset.top), undefined, { timeout: 30_000 });
    return page.evaluate(() => document.body.dataset.top ?? "");
  }

  test("from file://: it loads, and a chosen PNG or JPEG shows tl.predict's top label with three bars", async () => {
    const { page, errors } = await open(`file://${join(site, "index.html")}`);
    for (let i = 0; i < images.length; i++) expect(await topLabelFor(page, images[i])).toBe(expected[i]);
    expect(await page.$$eval("#predictions li", (rows) => rows.length)).toBe(3);
    await page.screenshot({ path: join(OUTPUT_DIR, "file-url.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  test("an image dropped on the page gets the same top label as through the file input", async () => {
    const { page, errors } = await open(`file://${join(site, "index.html")}`);
    for (let i = 0; i < images.length; i++) {
      await page.evaluate(() => (document.body.dataset.top = ""));
      // What the browser hands the page when a person drops a file from their desktop.
      const type = images[i].endsWith(".png") ? "image/png" : "image/jpeg";
      await page.evaluate(
        ({ base64, name, type }) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
          document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        },
        { base64: readFileSync(images[i]).toString("base64"), name: basename(images[i]), type },
      );
      await page.waitForFunction(() => Boolean(document.body.dataset.top), undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => document.body.dataset.top)).toBe(expected[i]);
    }
    expect(errors).toEqual([]);
  });

  test("from a static server: the same top labels", async () => {
    const { port } = server.address() as AddressInfo;
    const { page, errors } = await open(`http://127.0.0.1:${port}/index.html`);
    for (let i = 0; i < images.length; i++) expect(await topLabelFor(page, images[i])).toBe(expected[i]);
    await page.screenshot({ path: join(OUTPUT_DIR, "static-server.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  test("a text model's page: a typed text shows tl.predict's top label", async () => {
    const vocabulary = text.vocabulary(["free money now", "meeting at noon", "win money free", "lunch at noon tomorrow"], { minCount: 1 });
    const model = text.classifier(vocabulary, { classes: 3, dimensions: 8, seed: 5 });
    const textDir = join(work, "spam");
    const textSite = join(work, "spam-site");
    await exportModel(model, textDir, { labels: ["ham", "spam", "other"], vocabulary });
    const cli = spawnSync(process.execPath, [join(ROOT, "bin", "tsfine.js"), "demo", textDir, "-o", textSite], { encoding: "utf8" });
    expect(cli.status).toBe(0);
    const loaded = await load(textDir);
    const { page, errors } = await open(`file://${join(textSite, "index.html")}`);
    for (const sample of ["Win FREE money now!", "lunch at noon"]) {
      const expectedTop = await predict(loaded, sample, { top: 3 });
      await page.evaluate(() => (document.body.dataset.top = ""));
      await page.fill("#text", sample);
      await page.click("#classify");
      await page.waitForFunction(() => Boolean(document.body.dataset.top), undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => document.body.dataset.top)).toBe(expectedTop.label);
      const shown = await page.$$eval("#predictions li", (rows) => rows.map((r) => Number((r as HTMLElement).dataset.probability)));
      shown.forEach((p, i) => expect(Math.abs(p - expectedTop.top[i].probability)).toBeLessThanOrEqual(1e-5));
    }
    await page.screenshot({ path: join(OUTPUT_DIR, "text-model.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  test("tl.demo's frame (what %demo shows) for a text model: the inlined loader and model give tl.predict's top label", async () => {
    const vocabulary = text.vocabulary(["free money now", "meeting at noon", "win money free", "lunch at noon tomorrow"], { minCount: 1 });
    const model = text.classifier(vocabulary, { classes: 2, dimensions: 8, seed: 7 });
    await exportModel(model, join(work, "spam-inline"), { labels: ["ham", "spam"], vocabulary });
    const host = join(work, "notebook-output.html");
    writeFileSync(host, `<!doctype html><html><body>${(await demo(model)).toMimeBundle()["text/html"]}</body></html>`);
    const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    await context.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`file://${host}`);
    const frame = page.frameLocator("iframe.tsfine-demo");
    await frame.locator("body[data-ready=true]").waitFor({ timeout: 60_000 });
    const sample = "win free money";
    const expectedTop = await predict(model, sample, { top: 2 });
    await frame.locator("#text").fill(sample);
    await frame.locator("body").evaluate((body) => (body.dataset.top = ""));
    // The keyboard, as a person tabbing to the button does (playwright's pointer click found no target inside this sandboxed frame).
    await frame.locator("#classify").press("Enter");
    await frame.locator("body[data-top]:not([data-top=''])").waitFor({ timeout: 30_000 });
    expect(await frame.locator("body").getAttribute("data-top")).toBe(expectedTop.label);
    expect(errors).toEqual([]);
    await context.close();
  });

  test("a file that is not an image, or a cut-off JPEG, gets one sentence on the page", async () => {
    const { page } = await open(`file://${join(site, "index.html")}`);
    const notImage = join(work, "notes.png");
    writeFileSync(notImage, "not pixels");
    const cutOff = join(work, "cut-off.jpg");
    writeFileSync(cutOff, readFileSync(images.find((file) => file.endsWith(".jpg"))!).subarray(0, 100));
    for (const file of [notImage, cutOff]) {
      await page.evaluate(() => (document.getElementById("status")!.textContent = ""));
      await page.setInputFiles("#file", file);
      await page.waitForFunction(() => /not an image/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 30_000 });
      expect(await page.textContent("#status")).toBe(`${basename(file)} is not an image this browser can read; choose a PNG or JPEG file.`);
    }
  });
});
