import { spawnSync } from "node:child_process";
import {
  display,
  failOpenProgressBars,
  isPlotlyLibraryInlined,
  plot,
  plotlyInlinings,
  resetPlotlyInlining,
  setDisplaySink,
  PLOTLY_MIME,
  type DisplayEvent,
  type MimeBundle,
} from "../display";
import { CARTESIAN_TRACE_TYPES, LIBRARY_SCRIPT_MARKER, librarySource } from "../display/plotly/library";
import { LIVE_BYTES_PER_SECOND } from "../display/live";
import * as tslab from "../display/tslab";
import { waitUntil } from "./helpers/wait-until";

/** A sink that records what a Jupyter client would receive. */
class RecordingSink {
  events: DisplayEvent[] = [];
  clears: boolean[] = [];
  display(event: DisplayEvent): void {
    this.events.push(event);
  }
  clearOutput(wait: boolean): void {
    this.clears.push(wait);
  }
  get last(): DisplayEvent {
    return this.events[this.events.length - 1];
  }
}

let sink: RecordingSink;
beforeEach(() => {
  sink = new RecordingSink();
  setDisplaySink(sink);
});
afterEach(() => setDisplaySink(undefined));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  data: number[];
}

/** Decodes PNGs with fast-png (an independent decoder; ESM-only, so in a child node). */
function decodeWithFastPng(base64s: string[]): DecodedPng[] {
  const script = `
    import { decode } from "fast-png";
    let input = "";
    process.stdin.on("data", (d) => (input += d));
    process.stdin.on("end", () => {
      const out = JSON.parse(input).map((b64) => {
        const png = decode(Buffer.from(b64, "base64"));
        return { width: png.width, height: png.height, channels: png.channels, data: Array.from(png.data) };
      });
      process.stdout.write(JSON.stringify(out));
    });`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    input: JSON.stringify(base64s),
    cwd: `${__dirname}/..`,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as DecodedPng[];
}

function countTags(markup: string, tag: string): number {
  return (markup.match(new RegExp(`<${tag}[\\s>/]`, "g")) ?? []).length;
}

/** Every opened element is closed in order (self-closing allowed): XML-ish enough for a fallback. */
function isWellFormed(markup: string): boolean {
  const stack: string[] = [];
  for (const match of markup.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

describe("display of explicit formats", () => {
  it("sends each kind with its MIME type and a text/plain fallback", () => {
    const png = Buffer.from(decodeFreePng());
    display.html("<b>bold</b> text");
    display.markdown("# Title");
    display.latex("$x^2$");
    display.svg('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    display.png(png);
    display.jpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
    display.json({ a: [1, 2], b: "x" });
    display.text("plain words");
    display.bundle({ "text/html": "<i>custom</i>" }, { isolated: true });

    const types = sink.events.map((e) => Object.keys(e.data).sort());
    expect(types).toEqual([
      ["text/html", "text/plain"],
      ["text/markdown", "text/plain"],
      ["text/latex", "text/plain"],
      ["image/svg+xml", "text/plain"],
      ["image/png", "text/plain"],
      ["image/jpeg", "text/plain"],
      ["application/json", "text/plain"],
      ["text/plain"],
      ["text/html", "text/plain"],
    ]);
    expect(sink.events[0].data["text/plain"]).toBe("bold text");
    expect(sink.events[4].data["image/png"]).toBe(png.toString("base64"));
    expect(sink.events[4].data["text/plain"]).toBe("<PNG image 2×1>");
    expect(sink.events[6].data["application/json"]).toEqual({ a: [1, 2], b: "x" });
    expect(sink.events[7].data["text/plain"]).toBe("plain words");
    expect(sink.events[8].metadata).toEqual({ isolated: true });
  });

  it("returns nothing inside the kernel, so a cell ending in display(x) does not show x twice", () => {
    expect(display.html("<p>x</p>")).toBeUndefined();
  });

  it("clears output, waiting for the next output when asked", () => {
    display.clear();
    display.clear({ wait: true });
    expect(sink.clears).toEqual([false, true]);
  });
});

/** A 2×1 RGB PNG (made by display.image into a side sink), standing for bytes a user already has. */
function decodeFreePng(): Uint8Array {
  const side = new RecordingSink();
  setDisplaySink(side);
  display.image({ shape: [1, 2, 3], data: new Uint8Array([255, 0, 0, 0, 0, 255]) });
  setDisplaySink(sink);
  return Buffer.from(side.last.data["image/png"] as string, "base64");
}

describe("display(value) picks the richest representation", () => {
  it("shows strings as text and, as a cell result, quoted like the REPL", () => {
    display("hello");
    expect(sink.last.data).toEqual({ "text/plain": "hello" });
    expect(display.toBundle("hello")).toEqual({ "text/plain": "'hello'" });
    expect(display.toBundle({ a: 1 })).toEqual({ "text/plain": "{ a: 1 }" });
    expect(display.toBundle(undefined)).toBeUndefined();
    expect(display.toBundle(null)).toEqual({ "text/plain": "null" });
  });

  it("writes numbers, booleans, bigints and null exactly as Node's REPL does", () => {
    const { inspect } = require("node:util") as typeof import("node:util");
    for (const value of [2, -0, 0.1 + 0.2, NaN, -Infinity, 1e21, 1.5e-7, 2 ** 53 + 2, true, false, null, 10n, -(2n ** 70n)]) {
      expect(display.toBundle(value)).toEqual({ "text/plain": inspect(value) });
    }
  });

  it("lets a registered formatter show a number", () => {
    const unregister = display.registerFormatter(
      (v: unknown): v is number => typeof v === "number",
      (v) => ({ "text/plain": `${v} units` }),
    );
    try {
      expect(display.toBundle(3)).toEqual({ "text/plain": "3 units" });
    } finally {
      unregister();
    }
  });

  it("honours the well-known symbol and toMimeBundle()", () => {
    class Celsius {
      constructor(readonly degrees: number) {}
      [display.mimeBundle](): MimeBundle {
        return { "text/html": `<b>${this.degrees} °C</b>`, "text/plain": `${this.degrees} °C` };
      }
    }
    const legacy = { toMimeBundle: () => ({ "text/markdown": "**legacy**" }) };
    expect(display.mimeBundle).toBe(Symbol.for("tsfine.mimeBundle"));
    expect(display.toBundle(new Celsius(21))).toEqual({ "text/html": "<b>21 °C</b>", "text/plain": "21 °C" });
    display(legacy);
    expect(sink.last.data["text/markdown"]).toBe("**legacy**");
    expect(sink.last.data["text/plain"]).toBe("<Object>");
  });

  it("checks registered formatters first, newest first, and can unregister them", () => {
    class Model {
      [display.mimeBundle]() {
        return { "text/plain": "from the class" };
      }
    }
    const isModel = (v: unknown): v is Model => v instanceof Model;
    const unregisterOld = display.registerFormatter(isModel, () => ({ "text/plain": "old formatter" }));
    const unregisterNew = display.registerFormatter(isModel, () => ({ "text/plain": "layer table" }));
    expect(display.toBundle(new Model())?.["text/plain"]).toBe("layer table");
    unregisterNew();
    expect(display.toBundle(new Model())?.["text/plain"]).toBe("old formatter");
    unregisterOld();
    expect(display.toBundle(new Model())?.["text/plain"]).toBe("from the class");
  });

  it("describes tensor-like objects by shape, dtype and a value preview", () => {
    const values = Float32Array.from({ length: 20 }, (_, i) => i / 2);
    const tensor = { shape: [2, 10], dtype: "float32", dataSync: () => values };
    const bundle = display.toBundle(tensor) as MimeBundle;
    const text = bundle["text/plain"] as string;
    expect(text).toContain("Tensor float32 [2, 10]");
    expect(text).toContain("min 0, max 9.5");
    expect(text).toContain("[[0, 0.5, 1, …, 3.5, 4, 4.5], [5, 5.5, 6, …, 8.5, 9, 9.5]]");
    expect(bundle["text/html"]).toContain("<code>[2, 10]</code>");
    expect(display.toBundle({ ...tensor, isDisposed: true })?.["text/plain"]).toBe("Tensor float32 [2, 10] (disposed)");
    const scalar = { shape: [], dtype: "float32", dataSync: () => new Float32Array([Math.PI]) };
    expect(display.toBundle(scalar)?.["text/plain"]).toBe("Tensor float32 []\n3.1416");
  });

  it("shows encoded image bytes as images", () => {
    const png = decodeFreePng();
    expect(Object.keys(display.toBundle(png) as MimeBundle)).toEqual(["image/png", "text/plain"]);
  });
});

describe("tables", () => {
  const rows = Array.from({ length: 120 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), note: i === 0 ? "<warm-up>" : "" }));

  it("shows arrays of plain objects as an HTML table with a text fallback", () => {
    display(rows.slice(0, 3));
    const html = sink.last.data["text/html"] as string;
    expect(countTags(html, "tr")).toBe(4);
    expect(html).toContain("<th>epoch</th><th>loss</th><th>note</th>");
    expect(html).toContain("&lt;warm-up&gt;");
    expect(sink.last.data["text/plain"]).toBe(
      ["epoch    loss  note", "-----  ------  ---------", "    1       1  <warm-up>", "    2     0.5", "    3  0.3333"].join("\n"),
    );
  });

  it("cuts long tables and says how many rows there were", () => {
    display.table(rows, { maxRows: 10 });
    const html = sink.last.data["text/html"] as string;
    expect(countTags(html, "tr")).toBe(11);
    expect(html).toContain("showing first 10 of 120 rows");
    expect(sink.last.data["text/plain"]).toContain("(showing first 10 of 120 rows)");
    display(rows);
    expect(sink.last.data["text/html"]).toContain("showing first 50 of 120 rows");
  });
});

describe("output guard", () => {
  it("replaces an output over 5 MB by a note saying how to save it to a file", () => {
    display.html(`<pre>${"x".repeat(6_000_000)}</pre>`);
    expect(Object.keys(sink.last.data)).toEqual(["text/plain"]);
    const note = sink.last.data["text/plain"] as string;
    expect(note).toContain("over the 5.0 MB limit");
    expect(note).toContain("Save it to a file");
    expect(note.length).toBeLessThan(400);
    const huge = { toMimeBundle: () => ({ "text/html": "y".repeat(6_000_000), "text/plain": "huge" }) };
    expect(display.toBundle(huge)?.["text/plain"]).toMatch(/^This output \(6\.0 MB, text\/html\) is over the 5\.0 MB limit/);
  });
});

describe("images", () => {
  const gray = [
    [0, 0.5, 1],
    [1, 0.25, 0],
  ];

  it("encodes gray, RGB and RGBA pixels of every accepted form to PNGs that decode to the same pixels", () => {
    const rgbFloat255 = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 14 + 0.25);
    const rgbaUint8 = Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => (i * 37) % 256);
    const tensor = { shape: [1, 2, 2, 1], dtype: "float32", dataSync: () => new Float32Array([0, 0.2, 0.4, 1]) };
    const uint8Tensor = { shape: [2, 2, 3], dtype: "uint8", dataSync: () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 250]) };
    display.image(gray);
    display.image({ shape: [2, 3, 1], data: new Uint8Array([0, 10, 20, 30, 40, 255]) });
    display.image({ shape: [2, 3, 3], data: rgbFloat255 });
    display.image(rgbaUint8, { shape: [2, 2, 4] });
    display.image(tensor);
    display.image(uint8Tensor);
    display.image({ width: 2, height: 1, data: new Uint8ClampedArray([9, 8, 7, 255, 6, 5, 4, 128]) });
    display.image(new Float32Array([-1, 0, 0.5, 1]));

    const decoded = decodeWithFastPng(sink.events.map((e) => e.data["image/png"] as string));
    const expected: Array<Pick<DecodedPng, "width" | "height" | "channels" | "data">> = [
      { width: 3, height: 2, channels: 1, data: [0, 128, 255, 255, 64, 0] },
      { width: 3, height: 2, channels: 1, data: [0, 10, 20, 30, 40, 255] },
      { width: 3, height: 2, channels: 3, data: Array.from(rgbFloat255, (v) => v - 0.25) },
      { width: 2, height: 2, channels: 4, data: Array.from(rgbaUint8) },
      { width: 2, height: 2, channels: 1, data: [0, 51, 102, 255] },
      { width: 2, height: 2, channels: 3, data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 250] },
      { width: 2, height: 1, channels: 4, data: [9, 8, 7, 255, 6, 5, 4, 128] },
      { width: 2, height: 2, channels: 1, data: [0, 128, 191, 255] },
    ];
    expect(decoded).toEqual(expected);
    expect(sink.events[2].data["text/plain"]).toBe("<image 3×2 RGB>");
  });

  it("round-trips a 224×224 RGB photo-sized image", () => {
    const pixels = Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7919) % 256);
    display.image({ shape: [224, 224, 3], data: pixels });
    const [png] = decodeWithFastPng([sink.last.data["image/png"] as string]);
    expect(png.width).toBe(224);
    expect(png.data).toEqual(Array.from(pixels));
  });

  it("applies width and caption", () => {
    display.image(gray, { width: 120, caption: "a <digit>" });
    expect(sink.last.metadata).toEqual({ "image/png": { width: 120 } });
    expect(sink.last.data["text/html"]).toContain('width="120"');
    expect(sink.last.data["text/html"]).toContain('<figcaption style="font-size:12px">a &lt;digit&gt;</figcaption>');
  });

  it("says what is wrong with a bad shape in one sentence", () => {
    expect(() => display.image({ shape: [2, 2, 5], data: new Uint8Array(20) })).toThrow(
      "An image must have shape [height, width] or [height, width, 1|3|4]; got [2, 2, 5].",
    );
    expect(() => display.image(new Float32Array(10))).toThrow(/pass \{ shape: \[height, width, channels\] \}/);
  });

  it("takes a shape for flat pixels and an explicit wrong mark in a grid", () => {
    const pixels = new Uint8Array(4 * 2).fill(200);
    display.imageGrid([
      { image: pixels, shape: [4, 2], caption: "truth 3 / pred 3" },
      { image: pixels, shape: [4, 2], caption: "truth 5 / pred 6", wrong: true },
    ]);
    const html = sink.last.data["text/html"] as string;
    expect(html.match(/tsfine-wrong/g)).toHaveLength(1);
    expect(html).toContain('alt="2×4 image"');
    expect(sink.last.data["text/plain"]).toContain("1 of 2 wrong");
  });

  it("shows a grid of predictions as one output, wrong ones marked in red", () => {
    const items = ["cat", "dog", "cat", "bird"].map((truth, i) => ({
      image: gray,
      truth,
      prediction: i % 2 === 0 ? truth : "cat",
      confidence: 0.5 + i / 10,
    }));
    display.imageGrid(items, { columns: 2 });
    expect(sink.events).toHaveLength(1);
    const html = sink.last.data["text/html"] as string;
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(4);
    expect(html.match(/tsfine-wrong/g)).toHaveLength(2);
    expect(html).toContain("grid-template-columns:repeat(2, 104px)");
    expect(html).toContain('<span style="color:#d62728;font-weight:bold">pred: cat (60%)</span>');
    expect(sink.last.data["text/plain"]).toBe(
      [
        "image grid, 4 images, 2 of 4 wrong",
        "1. truth cat, predicted cat 50%",
        "2. truth dog, predicted cat 60%  ✗ wrong",
        "3. truth cat, predicted cat 70%",
        "4. truth bird, predicted cat 80%  ✗ wrong",
      ].join("\n"),
    );
  });
});

describe("plotly figures", () => {
  beforeEach(() => resetPlotlyInlining());

  it("carry the plotly JSON, self-contained HTML, a static SVG and a text summary", () => {
    display.plotly([{ x: [1, 2, 3], y: new Float32Array([2, 1, 3]), name: "loss" }], { title: "Loss" }, { responsive: true });
    const data = sink.last.data;
    expect(Object.keys(data).sort()).toEqual([PLOTLY_MIME, "image/svg+xml", "text/html", "text/plain"].sort());
    expect(data[PLOTLY_MIME]).toEqual({
      data: [{ x: [1, 2, 3], y: [2, 1, 3], name: "loss" }],
      layout: { title: "Loss" },
      config: { responsive: true },
    });
    expect(data["text/plain"]).toBe('Figure "Loss": scatter "loss" (3 points)');
    expect(data["text/html"]).toContain("Plotly.newPlot(div, figure.data, figure.layout, figure.config)");
  });

  it("inline plotly.js once per process, under the output limit, guarded against double loading", () => {
    expect(isPlotlyLibraryInlined()).toBe(false);
    display.plotly({ y: [1, 2] });
    expect(isPlotlyLibraryInlined()).toBe(true);
    display(plot.bar({ a: 1, b: 2 }));
    const [first, second] = sink.events.map((e) => e.data["text/html"] as string);
    const libraryMarker = /if \(!window\.Plotly\) \{ \(function \(define, module, exports\)/g;
    expect(first.match(libraryMarker)).toHaveLength(1);
    expect(second).not.toMatch(libraryMarker);
    // a line and a bar chart need only plotly's cartesian bundle (~1.5 MB), not the full 4.8 MB one
    expect(first).toContain(`${LIBRARY_SCRIPT_MARKER} (cartesian bundle)`);
    expect(Buffer.byteLength(first)).toBeGreaterThan(1_000_000);
    expect(Buffer.byteLength(first)).toBeLessThan(2_000_000);
    expect(second.length).toBeLessThan(20_000);
    expect((first.match(/<\/script>/gi) ?? []).length).toBe(2);
  });

  const libraryIn = (event: DisplayEvent) => (event.data["text/html"] as string).match(/\/\* tsfine: plotly\.js \((\w+) bundle\)/)?.[1] ?? "none";

  it("carry the cartesian bundle for scatter and heatmap figures, and the full one once a 3-D figure needs it", () => {
    display(
      plot.heatmap(
        [
          [5, 1],
          [0, 6],
        ],
        { x: ["cat", "dog"], y: ["cat", "dog"] },
      ),
    );
    display.plotly([
      { type: "scatter", y: [1, 2, 3] },
      { type: "histogram", x: [1, 2, 2] },
    ]);
    const inlinedBeforeThreeD = plotlyInlinings();
    display.plotly([{ type: "scatter3d", x: [1, 2], y: [3, 4], z: [5, 6], mode: "markers" }]);
    display.plotly([
      {
        type: "surface",
        z: [
          [1, 2],
          [3, 4],
        ],
      },
    ]);
    display(plot.line([3, 2, 1]));
    expect(sink.events.map(libraryIn)).toEqual(["cartesian", "none", "full", "none", "none"]);
    expect([inlinedBeforeThreeD, plotlyInlinings()]).toEqual([1, 2]);
    const threeD = sink.events[2].data["text/html"] as string;
    // the full bundle replaces a cartesian plotly.js already on the page, and the 3-D figure waits for it
    expect(threeD).toContain('if (!window.Plotly || window.Plotly.tsfineLibrary === "cartesian")');
    expect(threeD).toContain("var needsFull = true;");
    expect(Buffer.byteLength(threeD)).toBeGreaterThan(4_000_000);
    expect(Buffer.byteLength(threeD)).toBeLessThan(5_000_000);
    expect(sink.events[0].data["text/html"] as string).toContain("var needsFull = false;");
    // every figure keeps its static SVG fallback
    for (const event of sink.events) expect(event.data["image/svg+xml"] as string).toMatch(/^<svg/);
  });

  it("carry only the full bundle when the first figure needs it", () => {
    display.plotly([{ type: "sankey", node: { label: ["a", "b"] }, link: { source: [0], target: [1], value: [1] } }]);
    display(
      plot.heatmap([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(sink.events.map(libraryIn)).toEqual(["full", "none"]);
    resetPlotlyInlining();
    display(
      plot.heatmap([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(libraryIn(sink.last)).toBe("cartesian");
  });

  it("know the cartesian bundle's trace types from the bundle itself", () => {
    const registered = new Set([...librarySource("cartesian").matchAll(/moduleType:"trace",name:"(\w+)"/g)].map((m) => m[1]));
    expect([...registered].sort()).toEqual([...CARTESIAN_TRACE_TYPES].sort());
    const full = new Set([...librarySource("full").matchAll(/moduleType:"trace",name:"(\w+)"/g)].map((m) => m[1]));
    for (const type of ["scatter3d", "surface", "sankey", "scatterpolar"]) expect([full.has(type), registered.has(type)]).toEqual([true, false]);
  });

  it("each helper builds a figure that displays as plotly", () => {
    const figures = [
      plot.line({ loss: [3, 2, 1], val: [3, 2.5, 2] }, { title: "curves", xLabel: "epoch" }),
      plot.scatter([1, 2, 3], [3, 1, 2], { labels: ["a", "b", "a"] }),
      plot.bar(["x", "y"], [1, 2]),
      plot.histogram([1, 2, 2, 3, 3, 3], { bins: 3 }),
      plot.heatmap(
        [
          [5, 1],
          [0, 6],
        ],
        { x: ["cat", "dog"], y: ["cat", "dog"] },
      ),
    ];
    const bundles = figures.map((f) => display.toBundle(f) as MimeBundle);
    const traceTypes = bundles.map((b) => (b[PLOTLY_MIME] as { data: Array<{ type: string; name?: string }> }).data.map((t) => t.type));
    expect(traceTypes).toEqual([["scatter", "scatter"], ["scatter", "scatter"], ["bar"], ["histogram"], ["heatmap"]]);
    expect((bundles[1][PLOTLY_MIME] as { data: Array<{ name: string; x: number[] }> }).data.map((t) => [t.name, t.x])).toEqual([
      ["a", [1, 3]],
      ["b", [2]],
    ]);
    expect(bundles[0]["text/plain"]).toBe('Figure "curves": scatter "loss" (3 points), scatter "val" (3 points)');
  });

  it("have a static SVG fallback with one path per line and one rect per bar or cell", () => {
    const svgOf = (figure: unknown) => (display.toBundle(figure) as MimeBundle)["image/svg+xml"] as string;
    const lines = svgOf(plot.line({ a: [1, 2, 3], b: [2, 3, 1] }, { title: "t", xLabel: "x", yLabel: "y" }));
    const bars = svgOf(plot.bar({ a: 1, b: -2, c: 3 }));
    const heat = svgOf(
      plot.heatmap([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]),
    );
    const hist = svgOf(plot.histogram([1, 2, 2, 3, 3, 3, 4], { bins: 4 }));
    const markers = svgOf(plot.scatter([1, 2, 3, 4], [4, 3, 2, 1]));
    for (const svg of [lines, bars, heat, hist, markers]) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(isWellFormed(svg)).toBe(true);
    }
    expect([countTags(lines, "path"), countTags(lines, "rect")]).toEqual([2, 1]);
    expect([countTags(bars, "path"), countTags(bars, "rect")]).toEqual([0, 4]);
    expect(countTags(heat, "rect")).toBe(10);
    expect(countTags(hist, "rect")).toBe(5);
    expect([countTags(markers, "path"), countTags(markers, "circle")]).toEqual([0, 4]);
    expect(lines).toContain(">t</text>");
  });
});

describe("live outputs", () => {
  it("show a value under a fresh display_id and update it in place", () => {
    const out = display.live("starting");
    const other = display.live();
    expect(out.id).not.toBe(other.id);
    expect(sink.events[0]).toEqual({ data: { "text/plain": "starting" }, displayId: out.id });
    out.update("step 1");
    out.flush();
    expect(sink.last).toEqual({ data: { "text/plain": "step 1" }, displayId: out.id, update: true });
    out.update({ "text/html": "<b>2</b>", "text/plain": "2" });
    out.flush();
    expect(sink.last.data).toEqual({ "text/html": "<b>2</b>", "text/plain": "2" });
  });

  it("send a bounded number of updates for 10 000 calls, the last state always included", async () => {
    const out = display.live(0);
    const started = Date.now();
    for (let i = 1; i <= 10_000; i++) out.update(`step ${i}`);
    const loopMs = Date.now() - started;
    const lastUpdate = () => sink.events.filter((e) => e.update).at(-1)?.data;
    await waitUntil(() => JSON.stringify(lastUpdate()) === JSON.stringify({ "text/plain": "step 10000" }), "the last state", { timeoutMs: 2000 }).catch(
      () => {},
    );
    const updates = sink.events.filter((e) => e.update);
    expect(updates.length).toBeLessThanOrEqual(3 + loopMs / 50);
    expect(updates[updates.length - 1].data).toEqual({ "text/plain": "step 10000" });
  });

  it("keep showing progress during a long-running loop that awaits between updates", async () => {
    const out = display.live(0);
    const started = Date.now();
    for (let i = 1; i <= 40; i++) {
      out.update(i);
      await sleep(5);
    }
    const loopMs = Date.now() - started;
    display.flush();
    const updates = sink.events.filter((e) => e.update);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(3 + loopMs / 50);
    expect(updates[updates.length - 1].data).toEqual({ "text/plain": "40" });
  });

  it("hold large updates back in proportion to their size, so a front end drawing each one keeps up with the kernel", async () => {
    // half a second's worth of bytes per update: at most one update per half second
    const large = (step: number) => ({ "text/html": `<p>step ${step}</p>${"-".repeat(LIVE_BYTES_PER_SECOND / 2)}`, "text/plain": `step ${step}` });
    const out = display.live(large(0));
    const started = Date.now();
    for (let step = 1; step <= 40; step++) {
      out.update(large(step));
      await sleep(10);
    }
    const loopMs = Date.now() - started;
    expect(sink.events.filter((e) => e.update).length).toBeLessThanOrEqual(1 + loopMs / 500);
    display.flush();
    expect(sink.last).toEqual({ data: large(40), displayId: out.id, update: true });
  });

  it("are flushed by display.flush() and when the kernel switches sinks", () => {
    const out = display.live(0);
    out.update("a");
    out.update("b");
    out.update("c");
    display.flush();
    expect(sink.last.data["text/plain"]).toBe("c");
    out.update("d");
    const next = new RecordingSink();
    setDisplaySink(next);
    expect(sink.last.data["text/plain"]).toBe("d");
    expect(next.events).toHaveLength(0);
  });

  it("keep plotly.js in its own output so updates cannot drop it from the saved notebook", () => {
    resetPlotlyInlining();
    const out = display.live(plot.line([1, 2]));
    out.update(plot.line([1, 2, 3]));
    out.flush();
    const [libraryOutput, initial, update] = sink.events;
    expect(libraryOutput.displayId).toBeUndefined();
    expect(libraryOutput.data["text/html"]).toContain("if (!window.Plotly)");
    expect((initial.data["text/html"] as string).length).toBeLessThan(20_000);
    expect(initial.displayId).toBe(out.id);
    expect(update.update).toBe(true);
    expect((update.data[PLOTLY_MIME] as { data: Array<{ y: number[] }> }).data[0].y).toEqual([1, 2, 3]);
  });
});

describe("progress bars", () => {
  /** The latest state a notebook shows for a bar: the last event with its display_id. */
  const latestOf = (id: string) => sink.events.filter((e) => e.displayId === id).at(-1)!;

  it("show count, rate and ETA as HTML and one text line, ending with done", () => {
    const bar = display.progress(200, "epoch 1");
    for (let i = 0; i < 100; i++) bar.tick();
    display.flush();
    const middle = sink.last.data["text/plain"] as string;
    expect(middle).toMatch(/^epoch 1 {2}50% \|█{12} {12}\| 100\/200 \[[\d.]+s(?: < [\d.:]+s?)?, [\d.?]+\/s\]$/);
    expect(sink.last.data["text/html"]).toContain("width:50.0%");
    bar.set(150);
    bar.done();
    const final = latestOf(bar.id);
    expect(final.data["text/plain"]).toMatch(/^epoch 1 100% \|█{24}\| 200\/200 \[.*\] done$/);
    // then one echo of the final line for terminals, whose HTML (what notebooks render) is empty
    const echo = sink.last;
    expect([echo.displayId, echo.data]).toEqual([undefined, { "text/html": "", "text/plain": final.data["text/plain"] }]);
    expect(sink.events.every((e) => e.displayId === bar.id || e === echo)).toBe(true);
    expect(sink.events.length).toBeLessThan(10);
    bar.tick();
    display.flush();
    expect(sink.last).toBe(echo);
  });

  it("fail visibly with the reason, and an interrupt closes every open bar", () => {
    const bar = display.progress(10, "fit");
    bar.tick(3);
    bar.fail(new Error("loss became NaN"));
    expect(latestOf(bar.id).data["text/plain"]).toMatch(/3\/10 .* failed: loss became NaN$/);
    expect(latestOf(bar.id).data["text/html"]).toContain("#d62728");
    expect(sink.last.data["text/plain"]).toMatch(/failed: loss became NaN$/);
    const open = display.progress(5, "eval");
    failOpenProgressBars();
    expect(latestOf(open.id).data["text/plain"]).toMatch(/failed: interrupted$/);
    expect(sink.last.data["text/plain"]).toMatch(/failed: interrupted$/);
  });
});

describe("tslab compatibility", () => {
  it("sends exactly the MIME type each function names, binary data as base64", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    tslab.display.javascript("1");
    tslab.display.html("<b>x</b>");
    tslab.display.markdown("*x*");
    tslab.display.latex("$x$");
    tslab.display.svg("<svg></svg>");
    tslab.display.png(bytes);
    tslab.display.jpeg(bytes);
    tslab.display.gif(bytes);
    tslab.display.pdf(bytes);
    tslab.display.text("x");
    tslab.display.raw("application/x-custom", "payload");
    expect(sink.events.map((e) => Object.keys(e.data))).toEqual(
      [
        "text/javascript",
        "text/html",
        "text/markdown",
        "text/latex",
        "image/svg+xml",
        "image/png",
        "image/jpeg",
        "image/gif",
        "application/pdf",
        "text/plain",
        "application/x-custom",
      ].map((t) => [t]),
    );
    expect(sink.events[5].data["image/png"]).toBe("AQID");
    expect(sink.events.every((e) => e.displayId === undefined)).toBe(true);
  });

  it("newDisplay() shows one entry and overwrites it", () => {
    const entry = tslab.newDisplay();
    entry.text("first");
    entry.html("<b>second</b>");
    const [first, second] = sink.events;
    expect(first.displayId).toBeDefined();
    expect(first.update).toBe(false);
    expect(second).toEqual({ data: { "text/html": "<b>second</b>" }, displayId: first.displayId, update: true });
    expect(tslab.versions.node).toBe(process.version);
  });
});

describe("without a sink (a plain Node script)", () => {
  it("prints the text fallback and returns the bundle", () => {
    setDisplaySink(undefined);
    const printed: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const bundle = display.table([{ a: 1 }]);
      expect(bundle?.["text/html"]).toContain("<table");
      display.html("<p>hi <b>there</b></p>");
    } finally {
      process.stdout.write = write;
    }
    expect(printed).toEqual(["a\n-\n1\n", "hi there\n"]);
  });
});
