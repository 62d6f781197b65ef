/**
 * Widgets through the real kernel and jupyter_client, speaking as a widget front end does
 * (test/python/test_widgets.py): comm_open with ipywidgets 8's state, updates both ways with
 * echo_update, binary buffers, clicks, an Output widget capturing a callback, errors, close, comm_info.
 */
import * as path from "node:path";
import { describeWithJupyter, JupyterEnv, makeJupyterEnv, repoRoot } from "./helpers/jupyter-env";

jest.setTimeout(300_000);

describeWithJupyter("widgets through the real kernel", () => {
  let jupyter: JupyterEnv;
  beforeAll(() => {
    jupyter = makeJupyterEnv();
  });
  afterAll(() => jupyter.cleanup());

  test("the widget protocol: open, update both ways, echo_update, buffers, clicks, errors, close, comm_info", () => {
    const res = jupyter.run("python", ["-m", "unittest", "-v", "test_widgets"], { cwd: path.join(repoRoot, "test", "python") });
    console.log(res.stderr);
    expect(res.stderr).toMatch(/\nOK/);
    expect(res.status).toBe(0);
  });
});
