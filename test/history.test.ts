/** History as `%history` and front ends see it: tail, range, glob search, across sessions on disk. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { History } from "../kernel/history";

test("range is [start, stop) in the current session (session 0), with outputs when asked", () => {
  const history = new History();
  history.record(1, "a = 1");
  history.record(2, "a + 1");
  history.recordOutput(2, "2");
  history.record(3, "print(a)");
  expect(history.range(0, 1, 3, false)).toEqual([
    [1, 1, "a = 1"],
    [1, 2, "a + 1"],
  ]);
  expect(history.range(1, 2, undefined, true)).toEqual([
    [1, 2, ["a + 1", "2"]],
    [1, 3, ["print(a)", null]],
  ]);
});

test("search matches the whole input against a glob; unique keeps the latest; n keeps the last n", () => {
  const history = new History();
  ["tf.add(x)", "tl.fit(model)", "tf.add(x)", "tf.mul(y)"].forEach((code, i) => history.record(i + 1, code));
  expect(history.search("tf.*", undefined, false, false).map((h) => h[1])).toEqual([1, 3, 4]);
  expect(history.search("tf.*", undefined, true, false).map((h) => h[1])).toEqual([3, 4]);
  expect(history.search("tf.???(?)", 1, false, false).map((h) => h[2])).toEqual(["tf.mul(y)"]);
  expect(history.search("fit", undefined, false, false)).toEqual([]);
});

test("history persists to a private JSON file; the next kernel is a new session that can read the old one", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-history-"));
  const file = path.join(dir, "nested", "history.json");
  try {
    const first = new History(file);
    first.record(1, "const epochs = 3");
    await first.save();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = new History(file);
    expect(second.session).toBe(first.session + 1);
    second.record(1, "epochs * 2");
    expect(second.tail(2, false)).toEqual([
      [first.session, 1, "const epochs = 3"],
      [second.session, 1, "epochs * 2"],
    ]);
    expect(second.range(-1, 1, undefined, false)).toEqual([[first.session, 1, "const epochs = 3"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("two kernels saving to the same file keep each other's sessions", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-history-"));
  const file = path.join(dir, "history.json");
  try {
    const a = new History(file);
    a.record(1, "a1");
    await a.save();
    const b = new History(file); // started while a is still running
    b.record(1, "b1");
    a.record(2, "a2");
    await a.save();
    await b.save();
    const inputs = new History(file).tail(10, false).map((h) => h[2]);
    expect(inputs).toEqual(["a1", "a2", "b1"]);
    // a saves again after b wrote the file: b's session stays (a notices the file changed since its own save)
    a.record(3, "a3");
    await a.save();
    expect(new History(file).tail(10, false).map((h) => h[2])).toEqual(["b1", "a1", "a2", "a3"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("saves that overlap (a slow disk, many cells) never race on the file and keep every entry", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-history-race-"));
  const file = path.join(dir, "history.json");
  const errors: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const history = new History(file);
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      history.record(i, `cell ${i}`);
      saves.push(history.save());
    }
    await Promise.all(saves);
    expect(errors).toEqual([]);
    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(saved).toHaveLength(50);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(fs.readdirSync(dir)).toEqual(["history.json"]);
  } finally {
    process.stderr.write = write;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
