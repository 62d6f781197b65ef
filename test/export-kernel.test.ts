/**
 * %export and %predict in a notebook run by the real kernel (`tsfine run` over ZeroMQ): the export
 * folder appears, the prediction shows the picture with its top classes, and a file that is not an
 * image gets one sentence. Uses the build in dist/.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { encodePng } from "../display/png-encoder";

jest.setTimeout(300_000);

const cli = path.join(__dirname, "..", "bin", "tsfine.js");

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

const joined = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));

test("%export writes the model with metadata; %predict FILE shows the image and its top classes", () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-export-kernel-")));
  // A bright stroke on black at 50×50 RGB: another size and channel count than the digits.
  const pixels = new Uint8Array(50 * 50 * 3);
  for (let y = 10; y < 40; y++) for (let x = 23; x < 28; x++) pixels.fill(255, (y * 50 + x) * 3, (y * 50 + x) * 3 + 3);
  fs.writeFileSync(path.join(dir, "stroke.png"), encodePng({ width: 50, height: 50, channels: 3, data: pixels }));
  fs.writeFileSync(path.join(dir, "notes.txt"), "not pixels\n");
  const cells = [
    [
      'await tl.backend.init("wasm");',
      "const data = await tl.data.mnist({ perClass: 10, testPerClass: 2, seed: 1 });",
      'const base = await tl.backbone("fashion_cnn");',
      "tl.freeze(base);",
      'const model = tl.classifier(base, { classes: 10, pooling: "flatten", normalize: true });',
      "await tl.fit(model, data, { epochs: 1, seed: 1, verbose: false });",
    ].join("\n"),
    "%export model ./digits --data data",
    "%predict model ./stroke.png --top 3",
    "const again = await tl.load('./digits');\nconst p = await tl.predict(again, './stroke.png');\nconsole.log(again.metadata?.labels?.length, p.top.length)",
    "%predict model ./notes.txt",
  ];
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsfine", display_name: "TypeScript (tsfine)", language: "typescript" } },
    cells: cells.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
  };
  const input = path.join(dir, "export.ipynb");
  fs.writeFileSync(input, JSON.stringify(notebook));
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    TSFINE_HISTORY_FILE: path.join(dir, "history.jsonl"),
  };
  const run = spawnSync(process.execPath, [cli, "run", input, "-o", path.join(dir, "out.ipynb"), "--timeout", "240"], {
    encoding: "utf8",
    env,
    cwd: dir,
    timeout: 290_000,
  });
  const out = JSON.parse(fs.readFileSync(path.join(dir, "out.ipynb"), "utf8")) as { cells: { outputs: Output[] }[] };

  expect(run.stderr).toContain("Cell 5 failed");
  const exported = out.cells[1].outputs.map((o) => joined(o.data?.["text/plain"])).join("\n");
  expect(exported).toMatch(/Exported model "fashion_cnn_classifier" to .*digits \(model\.json, weights\.bin, metadata\.json; .*; 10 labels\)/);
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, "digits", "metadata.json"), "utf8"));
  expect(metadata.labels).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

  const shown = out.cells[2].outputs.find((o) => o.output_type === "display_data");
  expect(joined(shown?.data?.["text/plain"])).toMatch(/^\d \(\d+\.\d%\); top: \d \d+\.\d%, \d \d+\.\d%, \d \d+\.\d%$/);
  expect(joined(shown?.data?.["text/html"])).toContain('<img src="data:image/png;base64,');

  expect(out.cells[3].outputs.map((o) => joined(o.text)).join("")).toBe("10 3\n");

  // The last cell fails with one sentence; the run reports it.
  const error = out.cells[4].outputs.find((o) => o.output_type === "error");
  expect(error?.evalue).toMatch(/notes\.txt is not a PNG or JPEG image; give a PNG or JPEG file\./);
  expect(run.status).not.toBe(0);
  fs.rmSync(dir, { recursive: true, force: true });
});
