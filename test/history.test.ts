/** History as `%history` and front ends see it: tail, range, glob search, across sessions on disk. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { History, historyFileIn } from "../kernel/history";

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

test("history persists to a private file; the next kernel is a new session that can read the old one", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-history-"));
  const file = path.join(dir, "nested", "history.jsonl");
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
  const file = path.join(dir, "history.jsonl");
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
    // a saves again after b wrote the file: b's session stays (saves append, in the order they were made)
    a.record(3, "a3");
    await a.save();
    expect(new History(file).tail(10, false).map((h) => h[2])).toEqual(["a1", "a2", "b1", "a3"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("saves that overlap (a slow disk, many cells) never race on the file and keep every entry", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-history-race-"));
  const file = path.join(dir, "history.jsonl");
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
    const saved = fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line).input);
    expect(saved).toEqual(Array.from({ length: 50 }, (_, i) => `cell ${i + 1}`));
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(fs.readdirSync(dir)).toEqual(["history.jsonl"]);
  } finally {
    process.stderr.write = write;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("the history file", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-history-file-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a save appends what is new and leaves what was written before as it was", async () => {
    const file = path.join(dir, "history.jsonl");
    const history = new History(file);
    for (let i = 1; i <= 200; i++) history.record(i, `const x${i} = ${i}`);
    await history.save();
    const before = fs.readFileSync(file);
    history.record(201, "x200 + 1");
    history.recordOutput(201, "201");
    await history.save();
    const after = fs.readFileSync(file);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    // the new input and its output, and nothing of the 200 earlier entries again
    const appended = after.subarray(before.length).toString("utf8");
    expect(appended.trimEnd().split("\n")).toHaveLength(2);
    expect(appended).not.toContain("x199 = 199");
    expect(new History(file).range(history.session, 200, undefined, true)).toEqual([
      [history.session, 200, ["const x200 = 200", null]],
      [history.session, 201, ["x200 + 1", "201"]],
    ]);
  });

  test("a line cut short by a crash mid-write is skipped and the rest still read", async () => {
    const file = path.join(dir, "history.jsonl");
    fs.writeFileSync(file, '{"session":1,"line":1,"input":"a = 1"}\n{"session":1,"line":2,"inp\n{"session":2,"line":1,"input":"b = 2"}\n');
    const history = new History(file);
    expect(history.session).toBe(3);
    expect(history.tail(10, false)).toEqual([
      [1, 1, "a = 1"],
      [2, 1, "b = 2"],
    ]);
  });

  test("a file in the old format (one JSON array) is read, and the next save rewrites it as JSON Lines", async () => {
    const file = path.join(dir, "history.json");
    fs.writeFileSync(file, JSON.stringify([{ session: 4, line: 1, input: "old = 1", output: "1" }]));
    const history = new History(file);
    expect(history.session).toBe(5);
    history.record(1, "old + 1");
    await history.save();
    const lines = fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { session: 4, line: 1, input: "old = 1", output: "1" },
      { session: 5, line: 1, input: "old + 1" },
    ]);
  });

  test("history kept by an earlier version in history.json carries over to history.jsonl", async () => {
    fs.writeFileSync(path.join(dir, "history.json"), JSON.stringify([{ session: 1, line: 1, input: "kept = true" }]));
    const file = historyFileIn(dir);
    expect(path.basename(file)).toBe("history.jsonl");
    const history = new History(file);
    expect(history.range(-1, 1, undefined, false)).toEqual([[1, 1, "kept = true"]]);
    // an existing history.jsonl is never replaced
    fs.writeFileSync(path.join(dir, "history.json"), "[]");
    expect(historyFileIn(dir)).toBe(file);
    expect(new History(file).session).toBe(2);
  });

  test("once the file holds twice the 10 000 kept entries, a save keeps the newest 10 000", async () => {
    const file = path.join(dir, "history.jsonl");
    fs.writeFileSync(file, Array.from({ length: 20000 }, (_, i) => JSON.stringify({ session: 1, line: i + 1, input: `cell ${i + 1}` }) + "\n").join(""));
    const history = new History(file);
    history.record(1, "newest");
    await history.save();
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(10000);
    expect(JSON.parse(lines[0]).input).toBe("cell 10002");
    expect(JSON.parse(lines[9999])).toEqual({ session: 2, line: 1, input: "newest" });
    expect(fs.readdirSync(dir)).toEqual(["history.jsonl"]);
  });
});
