/**
 * Display paper cuts as a user meets them: cells sent to the real kernel (`tsfine kernel`,
 * launched from dist/ and driven over ZeroMQ), outputs read as a front end reads them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "../kernel/client";
import type { JupyterMessage } from "../kernel/wire";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

let client: KernelClient;
let notebookDir: string;

beforeAll(async () => {
  notebookDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "display-kernel-")));
  client = await KernelClient.launch({ cwd: notebookDir, stdio: "pipe", startupTimeoutMs: 60000 });
}, 90000);

afterAll(async () => {
  await client?.shutdown().catch(() => undefined);
  await client?.close();
  fs.rmSync(notebookDir, { recursive: true, force: true });
});

/** Runs a cell; fails with the kernel's own error text when the cell errs. */
async function run(code: string): Promise<JupyterMessage[]> {
  const result = await client.execute(code, { timeoutMs: 120000 });
  const error = result.outputs.find((m) => m.header.msg_type === "error");
  if (error) throw new Error(`cell failed:\n${code}\n${error.content.ename}: ${error.content.evalue}`);
  return result.outputs;
}

function bundles(outputs: JupyterMessage[]): Array<Record<string, unknown>> {
  return outputs
    .filter((m) => ["display_data", "execute_result", "update_display_data"].includes(m.header.msg_type))
    .map((m) => m.content.data as Record<string, unknown>);
}

const bytes = (value: unknown) => Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));

describe("plots of big data stay small (paper cut 2)", () => {
  test("plot.histogram of 200 000 values shows a figure of its counts", async () => {
    const [figure] = bundles(await run("const values = Array.from({ length: 200_000 }, (_, i) => Math.sin(i) * 3);\nplot.histogram(values)"));
    expect(figure).toBeDefined();
    const json = figure[PLOTLY_MIME] as { data: Array<{ y: number[]; hovertemplate: string }> };
    expect(json.data[0].y.reduce((a, b) => a + b, 0)).toBe(200_000);
    expect(bytes(json)).toBeLessThan(20_000);
    expect(bytes(figure["image/svg+xml"])).toBeLessThan(50_000);
    expect(json.data[0].hovertemplate).toContain("200,000 values");
  });

  test("plot.line of 10⁶ points keeps its shape (a one-point spike survives) and says it was decimated", async () => {
    const [figure] = bundles(
      await run(
        'const long = Float64Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i / 1e4) + (i === 654_321 ? 40 : 0));\nplot.line({ loss: long }, { title: "loss" })',
      ),
    );
    const json = figure[PLOTLY_MIME] as { data: Array<{ x: number[]; y: number[] }>; layout: { title: { text: string } } };
    expect(json.data[0].y.length).toBeLessThanOrEqual(2000);
    expect(json.data[0].x).toContain(654_321);
    expect(Math.max(...json.data[0].y)).toBeGreaterThan(40);
    expect(json.layout.title.text).toMatch(/^loss \(1,000,000 points drawn as min\/max per bucket\)$/);
    for (const mime of [PLOTLY_MIME, "image/svg+xml"]) expect(bytes(figure[mime])).toBeLessThan(2_000_000);
  });

  test("plot.scatter of 10⁶ points shows a thinned figure and says how much of it", async () => {
    const [figure] = bundles(await run("plot.scatter(long, long)"));
    const json = figure[PLOTLY_MIME] as { data: Array<{ x: number[] }>; layout: { title: { text: string } } };
    expect(json.data[0].x.length).toBeLessThanOrEqual(5000);
    expect(json.layout.title.text).toBe("(1 in 200 of 1,000,000 points shown)");
  });
});

describe("plots of big data stay small (paper cut 2): matrices", () => {
  test("plot.heatmap of 1000×1000 cells is averaged in 10×10 blocks and says so", async () => {
    const [figure] = bundles(
      await run("plot.heatmap(Array.from({ length: 1000 }, (_, r) => Array.from({ length: 1000 }, (_, c) => (r < 500 ? 0 : 1) + c / 1000)))"),
    );
    const json = figure[PLOTLY_MIME] as { data: Array<{ z: number[][]; x: number[] }>; layout: { title: { text: string } } };
    expect([json.data[0].z.length, json.data[0].z[0].length]).toEqual([100, 100]);
    expect(json.data[0].z[0][0]).toBeCloseTo(0.0045, 6);
    expect(json.data[0].z[99][99]).toBeCloseTo(1.9945, 6);
    expect(json.data[0].x.slice(0, 3)).toEqual([0, 10, 20]);
    expect(json.layout.title.text).toBe("(1,000×1,000 cells averaged in 10×10 blocks)");
    // text/html is the plotly JSON plus, in a kernel's first figure, plotly.js itself (counted apart by the output guard)
    for (const mime of [PLOTLY_MIME, "image/svg+xml"]) expect(bytes(figure[mime])).toBeLessThan(1_500_000);
  });
});

describe("Deno's display protocol (paper cut 4)", () => {
  const denoClass = `class Badge {
  constructor(readonly text: string) {}
  [Symbol.for("Jupyter.display")]() {
    return { "text/html": \`<b class="badge">\${this.text}</b>\`, "text/plain": \`badge \${this.text}\` };
  }
}`;

  test('an object with [Symbol.for("Jupyter.display")]() shows that bundle, as a cell\'s value and through display()', async () => {
    const outputs = await run(`${denoClass}\ndisplay(new Badge("one"));\nnew Badge("two")`);
    expect(outputs.map((m) => [m.header.msg_type, (m.content.data as Record<string, unknown>)?.["text/html"]])).toEqual([
      ["display_data", '<b class="badge">one</b>'],
      ["execute_result", '<b class="badge">two</b>'],
    ]);
  });

  test("an async Jupyter.display is awaited by `await display(value)`", async () => {
    const [shown] = bundles(await run('await display({ async [Symbol.for("Jupyter.display")]() { return { "text/markdown": "**late**" }; } })'));
    expect(shown["text/markdown"]).toBe("**late**");
  });

  test("an async Jupyter.display as a cell's value shows its bundle when it arrives; its rejection is the cell's error", async () => {
    const late =
      'const late = { async [Symbol.for("Jupyter.display")]() { await new Promise((r) => setTimeout(r, 20)); return { "text/markdown": "**late value**" }; } };';
    const outputs = await run(`${late}\nlate`);
    expect(outputs.map((m) => [m.header.msg_type, (m.content.data as Record<string, unknown>)?.["text/markdown"]])).toEqual([
      ["execute_result", "**late value**"],
    ]);
    const failed = await client.execute('({ async [Symbol.for("Jupyter.display")]() { throw new Error("no picture today"); } })');
    expect(failed.reply.content.status).toBe("error");
    expect(failed.outputs.find((m) => m.header.msg_type === "error")?.content.evalue).toBe("no picture today");
  });

  test("a Jupyter.display that returns no bundle is one clear error", async () => {
    const result = await client.execute('display({ [Symbol.for("Jupyter.display")]: () => "hi" })');
    const error = result.outputs.find((m) => m.header.msg_type === "error");
    expect(error?.content.evalue).toBe('[Symbol.for("Jupyter.display")]() must return a MIME bundle such as { "text/html": "<b>hi</b>" }; it returned string.');
  });
});

describe("%save says where the model went and how big it is (paper cut 8)", () => {
  test("one readable line instead of the raw modelArtifactsInfo", async () => {
    await run('const tiny = tf.sequential({ name: "tiny", layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });');
    const [result] = bundles(await run("%save tiny ./out/tiny"));
    const folder = path.join(notebookDir, "out", "tiny");
    const jsonBytes = fs.statSync(path.join(folder, "model.json")).size;
    const human = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
    expect(result["text/plain"]).toBe(`Saved model "tiny" to ${folder} (model.json ${human(jsonBytes)}, weights.bin 32 B; ${human(jsonBytes + 32)} in all)`);
    expect(result["text/html"]).toContain(`<code>${folder}</code>`);
  });
});

describe("training curves: accuracy on a readable right axis (paper cut 9)", () => {
  test("the accuracy axis ticks 0–100 % in steps of 20 %, in plotly and in the static SVG, with room for the top label", async () => {
    const cell = [
      'const xs = tf.randomUniform([40, 4], 0, 1, "float32", 3);',
      "const ys = Array.from({ length: 40 }, (_, i) => i % 2);",
      "const toy = tl.data.fromTensors(xs, ys, { validation: 0.25, seed: 1 });",
      'const net = tf.sequential({ layers: [tf.layers.dense({ units: 2, activation: "softmax", inputShape: [4] })] });',
      "await tl.fit(net, toy, { epochs: 3, batchSize: 10, lr: 1e-2, seed: 1 });",
    ].join("\n");
    const figures = bundles(await run(cell)).filter((b) => b[PLOTLY_MIME]);
    expect(figures.length).toBeGreaterThan(0);
    const last = figures[figures.length - 1];
    const layout = (last[PLOTLY_MIME] as { layout: Record<string, Record<string, unknown>> }).layout;
    expect(layout.yaxis2).toMatchObject({ side: "right", tickmode: "linear", tick0: 0, dtick: 0.2, tickformat: ".0%", autorange: false });
    const svg = last["image/svg+xml"] as string;
    const rightLabels = [...svg.matchAll(/>(\d+%)<\/text>/g)].map((m) => m[1]);
    expect(rightLabels).toEqual(["0%", "20%", "40%", "60%", "80%", "100%"]);
    const topLabelY = Number(/y="([\d.]+)"[^>]*>100%<\/text>/.exec(svg)?.[1]);
    expect(topLabelY).toBeGreaterThan(12); // inside the image, below the title band's top
  });
});

describe("a finished progress bar reaches terminal front ends (paper cut 10)", () => {
  test("the final state arrives as a display_data a terminal prints (text/plain) and a notebook renders as nothing (empty text/html)", async () => {
    const outputs = await run(
      'const steps = display.progress(5, "steps");\nfor (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 20)); steps.tick(); }\nsteps.done();',
    );
    const created = outputs.filter((m) => m.header.msg_type === "display_data");
    expect(created).toHaveLength(2);
    const [bar, echo] = created.map((m) => m.content.data as Record<string, string>);
    expect(bar["text/html"]).toContain("tsfine-progress");
    expect(bar["text/plain"]).toMatch(/ 0\/5 /);
    expect(echo["text/plain"]).toMatch(/^steps 100% \|█{24}\| 5\/5 \[.*\] done$/);
    expect(echo["text/html"]).toBe("");
    const updates = outputs.filter((m) => m.header.msg_type === "update_display_data");
    expect((updates[updates.length - 1].content.data as Record<string, string>)["text/plain"]).toBe(echo["text/plain"]);
  });
});
