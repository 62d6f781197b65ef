/**
 * examples/text-transfer.ipynb runs end to end offline through `tsfine run` and shows what it
 * claims: pretrained word vectors beat random ones at the smallest label count, on every seed, by
 * a margin. To keep it short (about a minute and a half here, most of it the kernel start, the
 * corpus and the vectors), it runs the two frozen ways only (the like-for-like comparison) at
 * 5 labelled messages per class; the committed notebook has the full run with all four ways.
 *
 * Margin: pretrained-frozen minus random-frozen accuracy at 5 labels per class, measured seed by
 * seed on wasm (100 steps, head rate 0.05): seeds 1-8 gave 6.0, 9.5, 14.3, 8.8, 7.0, -0.7, 18.5,
 * 9.8 points. Seed 6 goes the other way, so the notebook says when the seeds disagree, and this
 * test runs seeds 1-3 and asks for at least 3 points on each: half the smallest lead measured there.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..");
const cli = path.join(repoRoot, "bin", "tsfine.js");

type Output = { output_type: string; data?: Record<string, any>; text?: string | string[]; ename?: string; evalue?: string };
type Notebook = { cells: { cell_type: string; outputs?: Output[] }[] };
const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-text-example-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("text-transfer: pretrained vectors beat random ones at the fewest labels, with a table of the words that mattered", () => {
  const output = path.join(tmp, "text-transfer.out.ipynb");
  const parameters = {
    labelCounts: "[5]",
    seeds: "[1,2,3]",
    ways: '["pretrained, frozen","random, frozen"]',
  };
  const args = [cli, "run", path.join(repoRoot, "examples", "text-transfer.ipynb"), "-o", output];
  for (const [key, value] of Object.entries(parameters)) args.push("-p", `${key}=${value}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: "utf8", timeout: 600_000 });
  console.log(
    `text-transfer (tsfine run, ${Object.entries(parameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}): ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (!fs.existsSync(output)) throw new Error(`tsfine run wrote no notebook (exit ${result.status}):\n${result.stderr}`);
  const nb = JSON.parse(fs.readFileSync(output, "utf8")) as Notebook;
  const outputs = nb.cells.filter((c) => c.cell_type === "code").flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`)).toEqual([]);
  expect(result.status).toBe(0);

  // The predictions table: truth, prediction and the words behind it, for ham and spam messages.
  const table = outputs.map((o) => text(o.data?.["text/html"])).find((h) => h.includes("<th>words for spam</th>"));
  expect(table).toBeDefined();
  expect(table).toContain("<th>words for ham</th>");
  expect(table).toContain("<th>pretrained, frozen says</th>");
  const rows = table!.match(/<tr><td>/g) ?? [];
  expect(rows.length).toBe(8);
  expect(table).toMatch(/<td>ham<\/td>/);
  expect(table).toMatch(/<td>spam<\/td>/);
  expect(table).toMatch(/[a-z$!?]+ \(\+\d+\.\d\)/); // a word and how far it moved the spam probability

  // The conclusion is written by the notebook from this run's numbers.
  const markdown = outputs.map((o) => text(o.data?.["text/markdown"])).join("\n");
  expect(markdown).toMatch(
    /With \*\*5\*\* labelled messages per class: as frozen features, \*\*pretrained, frozen\*\* \([\d.]+%\) \*\*beats\*\* \*\*random, frozen\*\*/,
  );

  const verdicts = outputs.map((o) => o.data?.["application/json"]).find((j) => j?.verdicts)!.verdicts as {
    labels: number;
    comparison: string;
    outcome: string;
    margin: number;
    leads: number[];
  }[];
  const frozen = verdicts.find((v) => v.labels === 5 && v.comparison === "frozen")!;
  expect(frozen.leads).toHaveLength(3);
  expect(frozen.outcome).toBe("beats");
  expect(frozen.margin).toBeGreaterThanOrEqual(0.03);
}, 700_000);
