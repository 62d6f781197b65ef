/**
 * An idle thread gives its memory back (kernel/evaluator/garbage-collector.ts): the runtime worker
 * collects once it has had no cell for a while, so an idle kernel does not keep the young generation and
 * the garbage of its last cells. Runs in its own Node process, against dist/
 * (`npx tsc -p tsconfig.json` first), as a worker's thread would.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const collector = path.join(__dirname, "..", "dist", "kernel", "evaluator", "garbage-collector.js");
// Grows the young generation to its maximum and leaves garbage in the old one (half of many long-lived
// objects dropped), as a cell that builds data does, then goes idle and reports the heap's
// spaces (MB) until the collection has happened or 60 s have passed.
const script = `
  const v8 = require("node:v8");
  const { IdleCollector } = require(${JSON.stringify(collector)});
  const spaces = () => Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size / 2 ** 20, used: s.space_used_size / 2 ** 20 }]));
  let kept = [];
  for (let i = 0; i < 600000; i++) kept.push({ i, text: "item " + i, list: [i] });
  kept = kept.filter((_, i) => i % 2 === 0);
  const before = spaces();
  new IdleCollector(100).idleFromNow();
  const deadline = Date.now() + 60000;
  const poll = setInterval(() => {
    const now = spaces();
    if (now.new_space.size <= 2 || Date.now() > deadline) {
      clearInterval(poll);
      process.stdout.write(JSON.stringify({ before, after: now, kept: kept.length }));
    }
  }, 100);
`;

test("an idle thread's young generation shrinks and its old generation's garbage is freed", () => {
  const { before, after, kept } = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 90_000 }));
  expect(kept).toBe(300000);
  expect(before.new_space.size).toBeGreaterThanOrEqual(16);
  expect(after.new_space.size).toBeLessThanOrEqual(2);
  // Half the old generation's objects were garbage.
  expect(after.old_space.used).toBeLessThan(before.old_space.used * 0.75);
}, 120_000);
