/**
 * tsfine driven by the real Jupyter tools a user runs: jupyter_kernel_test's conformance suite,
 * jupyter_client's interrupt_kernel(), `jupyter nbconvert --execute`, and papermill.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithJupyter, JupyterEnv, makeJupyterEnv, notebook, repoRoot } from "./helpers/jupyter-env";

jest.setTimeout(300_000);

/** Code cells' outputs with nbformat's multi-line strings joined, as a reader sees them. */
function codeOutputs(nbPath: string): any[] {
  const nb = JSON.parse(fs.readFileSync(nbPath, "utf8"));
  const join = (v: unknown) => (Array.isArray(v) ? v.join("") : v);
  return nb.cells
    .filter((c: any) => c.cell_type === "code")
    .map((c: any) =>
      c.outputs.map((o: any) => ({
        ...o,
        text: join(o.text),
        data: o.data && Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, join(v)])),
      })),
    );
}

describeWithJupyter("real Jupyter clients", () => {
  let jupyter: JupyterEnv;
  beforeAll(() => {
    jupyter = makeJupyterEnv();
  });
  afterAll(() => jupyter.cleanup());

  test("jupyter kernelspec list finds the installed tsfine kernel", () => {
    const res = jupyter.run("jupyter", ["kernelspec", "list", "--json"]);
    expect(res.status).toBe(0);
    const specs = JSON.parse(res.stdout).kernelspecs;
    expect(specs.tsfine.spec.language).toBe("typescript");
  });

  test("jupyter_kernel_test conformance suite passes every sample", () => {
    const res = jupyter.run("python", ["-m", "unittest", "-v", "test_conformance"], { cwd: path.join(repoRoot, "test", "python") });
    console.log(res.stderr);
    expect(res.stderr).toMatch(/\nOK/);
    // Every sample is provided (the pager's through `Math.max?`): nothing may be skipped.
    expect(res.stderr).not.toMatch(/FAILED|skipped/);
    expect(res.status).toBe(0);
  });

  test("interrupt_kernel() stops a busy loop and a pending await; state survives", () => {
    const res = jupyter.run("python", ["-m", "unittest", "-v", "test_interrupt"], { cwd: path.join(repoRoot, "test", "python") });
    console.log(res.stderr);
    expect(res.status).toBe(0);
  });

  test("jupyter nbconvert --execute runs a notebook and --to html shows its outputs", () => {
    const nbPath = path.join(jupyter.dir, "basic.ipynb");
    fs.writeFileSync(
      nbPath,
      JSON.stringify(
        notebook([
          { source: "# A notebook run by nbconvert", markdown: true },
          "const greeting: string = 'hello from tsfine';\nconsole.log(greeting);",
          "interface Point { x: number; y: number }\nconst p: Point = { x: 3, y: 4 };",
          "Math.hypot(p.x, p.y)",
          "display.html('<i id=\"marker\">italic</i>')",
          "await new Promise((r) => setTimeout(r, 10));\n'awaited'",
        ]),
      ),
    );
    const exec = jupyter.run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", "basic.out.ipynb", nbPath]);
    expect(exec.status).toBe(0);
    const outputs = codeOutputs(path.join(jupyter.dir, "basic.out.ipynb"));
    expect(outputs[0][0].text).toContain("hello from tsfine");
    expect(outputs[2][0].data["text/plain"]).toBe("5");
    expect(outputs[3][0].data["text/html"]).toContain('id="marker"');
    expect(outputs[4][0].data["text/plain"]).toBe("'awaited'");

    const html = jupyter.run("jupyter", ["nbconvert", "--to", "html", path.join(jupyter.dir, "basic.out.ipynb")]);
    expect(html.status).toBe(0);
    const page = fs.readFileSync(path.join(jupyter.dir, "basic.out.html"), "utf8");
    expect(page).toContain('id="marker"');
    expect(page).toContain("hello from tsfine");
  });

  test("nbconvert executes a notebook that uses magics", () => {
    const nbPath = path.join(jupyter.dir, "magics.ipynb");
    fs.writeFileSync(
      nbPath,
      JSON.stringify(
        notebook([
          "%%writefile note.txt\nwritten by a cell magic",
          "%%sh\ncat note.txt",
          "const doubled = %time 21 * 2\nconsole.log(`doubled=${doubled}`)",
          '%%html\n<b id="from-magic">html magic</b>',
          "%who",
        ]),
      ),
    );
    const exec = jupyter.run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", "magics.out.ipynb", nbPath]);
    expect(exec.stderr).not.toMatch(/CellExecutionError/);
    expect(exec.status).toBe(0);
    const outputs = codeOutputs(path.join(jupyter.dir, "magics.out.ipynb"));
    const printed = (i: number) => outputs[i].map((o: any) => o.text ?? o.data?.["text/plain"] ?? "").join("");
    expect(printed(1)).toContain("written by a cell magic");
    expect(printed(2)).toMatch(/Wall time/);
    expect(printed(2)).toContain("doubled=42");
    expect(outputs[3][0].data["text/html"]).toContain('id="from-magic"');
    expect(printed(4)).toContain("doubled");
  });

  test("nbconvert's HTML shows one progress bar, in its final state", () => {
    const nbPath = path.join(jupyter.dir, "progress.ipynb");
    const cell =
      'const bar = display.progress(5, "steps");\nfor (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 30)); bar.tick(); }\nbar.done();';
    fs.writeFileSync(nbPath, JSON.stringify(notebook([cell])));
    const exec = jupyter.run("jupyter", ["nbconvert", "--to", "html", "--execute", "--output", "progress.html", nbPath]);
    expect(exec.status).toBe(0);
    const page = fs.readFileSync(path.join(jupyter.dir, "progress.html"), "utf8");
    expect(page.match(/class="tsfine-progress"/g)).toHaveLength(1);
    expect(page.match(/5\/5/g)).toHaveLength(1);
    expect(page).toMatch(/>done<\/span>/);
    expect(page).not.toMatch(/0\/5/);
  });

  test("nbconvert reports a failing cell as an error with the cell's line", () => {
    const nbPath = path.join(jupyter.dir, "failing.ipynb");
    fs.writeFileSync(nbPath, JSON.stringify(notebook(["const ok = 1;", "const n: number = 'not a number';"])));
    const exec = jupyter.run("jupyter", ["nbconvert", "--to", "notebook", "--execute", nbPath]);
    expect(exec.status).not.toBe(0);
    expect(exec.stderr).toMatch(/1:\d+/);
    expect(exec.stderr).toMatch(/not assignable to type 'number'/);
  });

  test("papermill (with tsfine_papermill's TypeScript translator) injects a parameter after the `parameters` cell", () => {
    const nbPath = path.join(jupyter.dir, "params.ipynb");
    fs.writeFileSync(nbPath, JSON.stringify(notebook([{ source: "let epochs = 1;", tags: ["parameters"] }, "console.log(`epochs=${epochs}`)"])));
    const out = path.join(jupyter.dir, "params.out.ipynb");
    const res = jupyter.run("python", [path.join(repoRoot, "python", "tsfine_papermill.py"), nbPath, out, "-p", "epochs", "7", "-k", "tsfine"]);
    console.log(res.stderr.slice(-2000));
    expect(res.status).toBe(0);
    const nb = JSON.parse(fs.readFileSync(out, "utf8"));
    const printed = nb.cells
      .flatMap((c: any) => c.outputs ?? [])
      .map((o: any) => [o.text ?? ""].flat().join(""))
      .join("");
    expect(printed).toContain("epochs=7");
  });
});
