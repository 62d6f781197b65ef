import { execFileSync } from "node:child_process";
import * as path from "node:path";

// The kernel runs tl.fit on a worker thread and, on interrupt, may terminate JavaScript there;
// stopping a step that sits in a timer callback needs node's --no-force-async-hooks-checks (the
// kernelspec passes it, jest's process does not), so the scenario runs in a child node on dist/.
function scenario(name: "wait" | "terminate", spinAt: "in-pass" | "after-loss" = "in-pass") {
  const script = path.join(__dirname, "fixtures", "tl-interrupt-step.js");
  const output = execFileSync(process.execPath, ["--no-force-async-hooks-checks", script, name, spinAt], { encoding: "utf8", timeout: 300_000 });
  const result = JSON.parse(output.trim().split("\n").pop()!);
  if (result.error) throw new Error(result.error);
  return result;
}

describe("interrupting tl.fit whose training step takes ~300 ms or more", () => {
  test("another thread sees fit training and acknowledging the stop mid-step; fit stops at the boundary with the best weights", () => {
    const { at100ms, fit, after } = scenario("wait");
    // 100 ms after the request the step is still running: a kernel reading this waits instead of terminating
    expect(at100ms).toMatchObject({ activity: "training", inStep: true, stopAcknowledged: true });
    expect(at100ms.longestStepMs).toBeGreaterThan(100);
    expect(fit).toMatchObject({ stopped: "interrupted", restoredEpoch: 1, holdsRestoredEpoch: true, tensorsLeft: 0 });
    expect(fit.engine).toEqual({ scopes: 0, gradientDepth: 0, kernelDepth: 0, tape: false });
    expect(after).toMatchObject({ activity: "idle", stopRequested: false });
  }, 300_000);

  test.each([
    ["in the forward pass (tf's scope and tape open)", "in-pass"],
    ["between the gradients and the update (the step's tensors held outside any scope)", "after-loss"],
  ] as const)(
    "terminated mid-step %s: the next cell finds the best weights back, tf's engine whole, no tensors leaked, and training works",
    (_where, spinAt) => {
      const { inStepWhenTerminated, signalAfterCut, recovered, nextCell, fitDoneReported } = scenario("terminate", spinAt);
      expect(inStepWhenTerminated).toBe(true);
      expect(fitDoneReported).toBe(false); // the run really was cut: its own cleanup never ran
      expect(signalAfterCut).toMatchObject({ activity: "training", inStep: true });
      // what the cut left behind for the repair
      if (spinAt === "in-pass") expect(recovered.pre).toMatchObject({ tape: true });
      expect(recovered.pre.scopes > 0 || recovered.pre.tensorsLeft > 0).toBe(true);
      expect(recovered.said).toMatch(
        /^tl\.fit was stopped by the interrupt in the middle of epoch \d+, batch \d+; .*holds the weights of epoch 1, the best\.$/,
      );
      expect(recovered.heldEpoch).toBe(1);
      expect(recovered.engine).toEqual({ scopes: 0, gradientDepth: 0, kernelDepth: 0, tape: false });
      expect(recovered.tensorsLeft).toBe(0);
      expect(recovered.signal).toMatchObject({ activity: "idle", inStep: false, stopRequested: false });
      expect(Number.isFinite(nextCell.trainsAgain.loss)).toBe(true);
      expect(nextCell.trainsAgain.weightsChanged).toBe(true);
      expect(nextCell.tensorsLeftAfterFit).toBe(0);
    },
    300_000,
  );
});
