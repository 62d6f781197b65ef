/**
 * %export, %predict and %demo in a notebook run by the real kernel (`tsfine run` over ZeroMQ): the
 * export folder appears where the notebook says (its own folder, wherever the run starts), the
 * prediction shows the picture with its top classes, the demo page shows inline, and a file that is
 * not an image gets one sentence. Uses the build in dist/.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { encodePng } from "../display/png-encoder";
import { joined, runNotebook } from "./helpers/run-notebook";

jest.setTimeout(300_000);

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
    "%demo ./digits",
    "%predict model ./notes.txt",
  ];
  // Started from another folder: the notebook's relative paths still mean its own folder.
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-export-cwd-"));
  const run = runNotebook(dir, cells, { name: "export", cwd: elsewhere });
  expect(fs.existsSync(path.join(elsewhere, "digits"))).toBe(false);
  fs.rmSync(elsewhere, { recursive: true, force: true });

  expect(run.stderr).toContain("Cell 6 failed");
  const exported = run.outputs[1].map((o) => joined(o.data?.["text/plain"])).join("\n");
  expect(exported).toMatch(/Exported model "fashion_cnn_classifier" to .*digits \(model\.json, weights\.bin, metadata\.json; .*; 10 labels\)/);
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, "digits", "metadata.json"), "utf8"));
  expect(metadata.labels).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

  const shown = run.outputs[2].find((o) => o.output_type === "display_data");
  expect(joined(shown?.data?.["text/plain"])).toMatch(/^\d \(\d+\.\d%\); top: \d \d+\.\d%, \d \d+\.\d%, \d \d+\.\d%$/);
  expect(joined(shown?.data?.["text/html"])).toContain('<img src="data:image/png;base64,');

  expect(run.outputs[3].map((o) => joined(o.text)).join("")).toBe("10 3\n");

  // The notebook shows the exported model's demo page inline: one self-contained page in a frame.
  const demo = run.outputs[4].find((o) => o.output_type === "display_data");
  expect(joined(demo?.data?.["text/plain"])).toMatch(/^Demo page of "fashion_cnn_classifier \(fashion_cnn\)" \(\d+\.\d MiB, tfjs and the model inlined\)/);
  expect(joined(demo?.data?.["text/html"])).toMatch(/^<iframe class="tsfine-demo" [^>]*srcdoc="&lt;!doctype html&gt;/);

  // The last cell fails with one sentence; the run reports it.
  const error = run.outputs[5].find((o) => o.output_type === "error");
  expect(error?.evalue).toMatch(/notes\.txt is not a PNG or JPEG image; give a PNG or JPEG file\./);
  expect(run.status).not.toBe(0);
  fs.rmSync(dir, { recursive: true, force: true });
});
