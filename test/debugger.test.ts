/**
 * The Jupyter debugger protocol driven by jupyter_client (test/python/test_debugger.py): debug_request on
 * the control channel, debug_event on iopub, a breakpoint in a cell's TypeScript, stepping, variables,
 * exceptions, an interrupt and a heartbeat while paused.
 */
import * as path from "node:path";
import { describeWithJupyter, JupyterEnv, makeJupyterEnv, repoRoot } from "./helpers/jupyter-env";

jest.setTimeout(300_000);

describeWithJupyter("the debugger through jupyter_client", () => {
  let jupyter: JupyterEnv;
  beforeAll(() => {
    jupyter = makeJupyterEnv();
  });
  afterAll(() => jupyter.cleanup());

  test("initialize, breakpoints in cells, stepping, variables, exceptions, interrupt and disconnect", () => {
    const res = jupyter.run("python", ["-m", "unittest", "-v", "test_debugger"], { cwd: path.join(repoRoot, "test", "python") });
    console.log(res.stderr);
    expect(res.stderr).toMatch(/\nOK/);
    expect(res.stderr).not.toMatch(/FAILED|skipped/);
    expect(res.status).toBe(0);
  });
});
