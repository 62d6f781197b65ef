/**
 * Widgets through the real kernel and jupyter_client, speaking as a widget front end does
 * (test/python/test_widgets.py): comm_open with ipywidgets 8's state, updates both ways with
 * echo_update, binary buffers, clicks, an Output widget capturing a callback, errors, close, comm_info;
 * and the widget state that nbconvert and `tsfine run` save into the notebook, which nbconvert's HTML embeds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithJupyter, JupyterEnv, makeJupyterEnv, notebook, repoRoot } from "./helpers/jupyter-env";

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

  const WIDGET_STATE = "application/vnd.jupyter.widget-state+json";
  const CELLS = [
    'const s = new widgets.IntSlider({ value: 3, max: 10, description: "n" });\ns',
    "s.value = 8;",
    "new widgets.Image({ value: new Uint8Array([137, 80, 78, 71]) })",
  ];

  /** The saved widget state of an executed notebook, with the model each cell's output shows. */
  function savedWidgets(file: string): { state: Record<string, any>; shown: string[] } {
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    const shown = nb.cells.flatMap((cell: any) =>
      cell.outputs
        .filter((o: any) => o.data?.["application/vnd.jupyter.widget-view+json"])
        .map((o: any) => o.data["application/vnd.jupyter.widget-view+json"].model_id),
    );
    return { state: nb.metadata.widgets?.[WIDGET_STATE]?.state ?? {}, shown };
  }

  function expectSliderAndImage(saved: { state: Record<string, any>; shown: string[] }): void {
    expect(saved.shown).toHaveLength(2);
    const [slider, image] = saved.shown.map((id) => saved.state[id]);
    expect(slider.model_name).toBe("IntSliderModel");
    expect(slider.model_module).toBe("@jupyter-widgets/controls");
    expect(slider.state.value).toBe(8);
    expect(saved.state[slider.state.layout.replace("IPY_MODEL_", "")].model_name).toBe("LayoutModel");
    expect(image.model_name).toBe("ImageModel");
    expect(image.buffers).toEqual([{ path: ["value"], data: Buffer.from([137, 80, 78, 71]).toString("base64"), encoding: "base64" }]);
  }

  test("nbconvert --execute saves the widgets' last state in the notebook and --to html embeds it", () => {
    const nbPath = path.join(jupyter.dir, "widgets.ipynb");
    fs.writeFileSync(nbPath, JSON.stringify(notebook(CELLS)));
    const exec = jupyter.run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", "widgets.out.ipynb", nbPath]);
    expect(exec.status).toBe(0);
    const saved = savedWidgets(path.join(jupyter.dir, "widgets.out.ipynb"));
    expectSliderAndImage(saved);

    const html = jupyter.run("jupyter", ["nbconvert", "--to", "html", path.join(jupyter.dir, "widgets.out.ipynb")]);
    expect(html.status).toBe(0);
    const page = fs.readFileSync(path.join(jupyter.dir, "widgets.out.html"), "utf8");
    const embedded = /<script type="application\/vnd\.jupyter\.widget-state\+json">\s*([\s\S]*?)<\/script>/.exec(page);
    expect(embedded).not.toBeNull();
    expect(JSON.parse(embedded![1]).state[saved.shown[0]].state.value).toBe(8);
    expect(page).toContain(`"model_id": "${saved.shown[0]}"`);
  });

  test("a front end without widgets (nbconvert's Markdown) shows each widget's text form: the widget and its state", () => {
    const nbPath = path.join(jupyter.dir, "widgets-text.ipynb");
    fs.writeFileSync(nbPath, JSON.stringify(notebook(CELLS)));
    const md = jupyter.run("jupyter", ["nbconvert", "--to", "markdown", "--execute", nbPath]);
    expect(md.status).toBe(0);
    const page = fs.readFileSync(path.join(jupyter.dir, "widgets-text.md"), "utf8");
    expect(page).toContain('IntSlider(value=3, max=10, description="n")');
    expect(page).toContain("Image(value=<4 bytes>");
    expect(page).not.toContain("model_id");
  });

  test("tsfine run saves the same widget state", () => {
    const nbPath = path.join(jupyter.dir, "widgets-run.ipynb");
    fs.writeFileSync(nbPath, JSON.stringify(notebook(CELLS)));
    const out = path.join(jupyter.dir, "widgets-run.out.ipynb");
    const run = jupyter.run(process.execPath, [path.join(repoRoot, "bin", "tsfine.js"), "run", nbPath, "-o", out]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expectSliderAndImage(savedWidgets(out));
  });
});
