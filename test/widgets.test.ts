/**
 * The widget classes from plain Node, with a link that records what would go to the front end:
 * each class opens with the state ipywidgets 8 (the Python package, run here) gives the same
 * widget, selections speak indices to the front end and values to cells, interact picks
 * ipywidgets' controls and re-runs on a change, links, the Output widget, and bad input.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { deliverWidgetMessage, display, endWidgetCell, setWidgetCommLink, startWidgetCell, widgets } from "../display";
import { describeWithJupyter, repoRoot } from "./helpers/jupyter-env";

interface Sent {
  kind: "open" | "send" | "close";
  id: string;
  data?: Record<string, any>;
  buffers?: Uint8Array[];
  replyTo?: number;
}
let sent: Sent[] = [];
beforeAll(() =>
  setWidgetCommLink({
    open: (id, data, _metadata, buffers) => sent.push({ kind: "open", id, data, buffers }),
    send: (id, data, buffers, replyTo) => sent.push({ kind: "send", id, data, buffers, replyTo }),
    close: (id) => sent.push({ kind: "close", id }),
  }),
);
afterAll(() => setWidgetCommLink(undefined));
beforeEach(() => (sent = []));

const opened = (id: string) => sent.find((s) => s.kind === "open" && s.id === id)!.data!.state;
const updates = (id: string) => sent.filter((s) => s.kind === "send" && s.id === id).map((s) => s.data!);
const frontEndUpdate = (widget: widgets.WidgetModel, state: Record<string, unknown>) =>
  deliverWidgetMessage(widget.modelId, { method: "update", state, buffer_paths: [] }, [], 1);
const click = (button: widgets.Button) => deliverWidgetMessage(button.modelId, { method: "custom", content: { event: "click" } }, [], 1);

const CLASSES: Record<string, () => widgets.WidgetModel> = {
  IntSlider: () => new widgets.IntSlider(),
  FloatSlider: () => new widgets.FloatSlider(),
  FloatLogSlider: () => new widgets.FloatLogSlider(),
  IntRangeSlider: () => new widgets.IntRangeSlider(),
  FloatRangeSlider: () => new widgets.FloatRangeSlider(),
  IntText: () => new widgets.IntText(),
  FloatText: () => new widgets.FloatText(),
  IntProgress: () => new widgets.IntProgress(),
  FloatProgress: () => new widgets.FloatProgress(),
  Play: () => new widgets.Play(),
  Text: () => new widgets.Text(),
  Textarea: () => new widgets.Textarea(),
  HTML: () => new widgets.HTML(),
  Label: () => new widgets.Label(),
  Checkbox: () => new widgets.Checkbox(),
  ToggleButton: () => new widgets.ToggleButton(),
  Button: () => new widgets.Button(),
  Dropdown: () => new widgets.Dropdown({ options: ["a"] }),
  RadioButtons: () => new widgets.RadioButtons({ options: ["a"] }),
  ToggleButtons: () => new widgets.ToggleButtons({ options: ["a"] }),
  SelectMultiple: () => new widgets.SelectMultiple({ options: ["a"] }),
  Image: () => new widgets.Image(),
  FileUpload: () => new widgets.FileUpload(),
  Output: () => new widgets.Output(),
  Box: () => new widgets.Box(),
  HBox: () => new widgets.HBox(),
  VBox: () => new widgets.VBox(),
  GridBox: () => new widgets.GridBox(),
  Tab: () => new widgets.Tab(),
  Accordion: () => new widgets.Accordion(),
  Layout: () => new widgets.Layout(),
};

/** Each class's state and its style's, as ipywidgets 8 opens them (JSON: tuples are arrays, bytes are left out). */
const PYTHON_STATES = `
import json, sys, ipywidgets as w
out = {}
for name in json.loads(sys.argv[1]):
    kw = {"options": ["a"]} if name in ("Dropdown", "RadioButtons", "ToggleButtons", "SelectMultiple") else {}
    widget = getattr(w, name)(**kw)
    state = {k: v for k, v in widget.get_state().items() if not isinstance(v, (bytes, memoryview))}
    style = getattr(widget, "style", None)
    out[name] = {"state": state, "style": style.get_state() if style is not None else None}
print(json.dumps(out, default=list))
`;

describeWithJupyter("widget classes against ipywidgets 8", () => {
  test("every class opens with ipywidgets' model, view, module versions, state keys and defaults (and its style's)", () => {
    const python = spawnSync(path.join(repoRoot, ".venv", "bin", "python"), ["-c", PYTHON_STATES, JSON.stringify(Object.keys(CLASSES))], { encoding: "utf8" });
    expect(python.stderr).toBe("");
    const theirs = JSON.parse(python.stdout);
    for (const [name, make] of Object.entries(CLASSES)) {
      const widget = make();
      const ours = opened(widget.modelId);
      const reference = theirs[name].state;
      const comparable = (state: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(state).filter(
            ([key]) => !["layout", "style", "value", "_options_labels"].includes(key) || !String(state[key]).startsWith("IPY_MODEL_"),
          ),
        );
      // (the image's bytes travel as a buffer, outside the state, in both)
      const expected = comparable(reference);
      const actual = comparable(ours);
      for (const key of ["layout", "style"]) {
        if (key in expected) expect([name, key, String(actual[key]).slice(0, 10)]).toEqual([name, key, "IPY_MODEL_"]);
        delete expected[key];
        delete actual[key];
      }
      expect([name, actual]).toEqual([name, expected]);
      if (theirs[name].style) {
        const style = opened(String(ours.style).slice("IPY_MODEL_".length));
        expect([name, style]).toEqual([name, theirs[name].style]);
      }
    }
  });
});

describe("widget behaviour", () => {
  test("a slider: value reads and assigns (one update), observers get { name, old, new }, a front-end update is echoed to its sender", async () => {
    const slider = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "n" });
    const seen: Array<[string, number, number]> = [];
    slider.observe((change) => seen.push([change.name, change.old, change.new]), "value");
    slider.value = 4;
    expect(updates(slider.modelId)).toEqual([{ method: "update", state: { value: 4 }, buffer_paths: [] }]);
    sent = [];
    const failures = await deliverWidgetMessage(slider.modelId, { method: "update", state: { value: 9 }, buffer_paths: [] }, [], 17);
    expect(failures).toEqual([]);
    expect(sent).toEqual([
      { kind: "send", id: slider.modelId, data: { method: "echo_update", state: { value: 9 }, buffer_paths: [] }, buffers: [], replyTo: 17 },
    ]);
    expect(slider.value).toBe(9);
    expect(seen).toEqual([
      ["value", 3, 4],
      ["value", 4, 9],
    ]);
  });

  test("a dropdown speaks indices to the front end and values to the cell; observers of value hear front-end changes", async () => {
    const dropdown = new widgets.Dropdown({
      options: [
        ["all layers", "all"],
        ["the head", "head"],
      ],
      value: "head",
      description: "train",
    });
    expect(opened(dropdown.modelId)).toMatchObject({ _options_labels: ["all layers", "the head"], index: 1 });
    const values: unknown[] = [];
    dropdown.observe((change) => values.push(change.new), "value");
    await frontEndUpdate(dropdown, { index: 0 });
    expect([dropdown.value, dropdown.label, values]).toEqual(["all", "all layers", ["all"]]);
    dropdown.value = "head";
    expect(updates(dropdown.modelId).pop()).toEqual({ method: "update", state: { index: 1 }, buffer_paths: [] });
    expect(() => (dropdown.value = "tail")).toThrow('Dropdown\'s value "tail" is not one of its options (all layers, the head).');
  });

  test("a click runs every onClick callback; a failing one is reported without stopping the others", async () => {
    const button = new widgets.Button({ description: "go" });
    const calls: string[] = [];
    button.onClick(() => {
      throw new Error("first fails");
    });
    button.onClick(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      calls.push("second ran");
    });
    const failures = await click(button);
    expect(calls).toEqual(["second ran"]);
    expect(failures.map(String)).toEqual(["Error: first fails"]);
  });

  test("interact makes ipywidgets' controls from abbreviations and runs the function again on each change, into its Output", async () => {
    const runs: string[] = [];
    const panel = widgets.interactive(
      ({ lr, layers, augment, name, epochs }) => {
        runs.push(`${lr} ${layers} ${augment} ${name} ${epochs}`);
        return `lr=${lr}`;
      },
      { lr: [0, 0.1], layers: ["all", "head"], augment: true, name: "run", epochs: [1, 9] },
    );
    const kinds = panel.children.map((child) => child.className);
    expect(kinds).toEqual(["FloatSlider", "Dropdown", "Checkbox", "Text", "IntSlider", "Output"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual(["0.05 all true run 5"]);
    const layers = panel.children[1];
    await frontEndUpdate(layers, { index: 1 });
    expect(runs[1]).toBe("0.05 head true run 5");
    expect(panel.kwargs.layers).toBe("head");
    expect(panel.output.outputs.map((o) => (o.data as Record<string, unknown>)["text/plain"])).toEqual(["'lr=0.05'"]);
  });

  test("interact with manual: true runs only when its button is clicked", async () => {
    let runs = 0;
    const panel = widgets.interactive(() => runs++, { x: 5 }, { manual: true });
    const button = panel.children.find((child) => child.className === "Button") as widgets.Button;
    await frontEndUpdate(panel.children[0], { value: 7 });
    expect(runs).toBe(0);
    await click(button);
    expect([runs, panel.kwargs.x]).toEqual([1, 7]);
  });

  test("link keeps two values equal in the kernel; jslink opens a LinkModel for the front end", () => {
    const a = new widgets.IntSlider({ value: 1 });
    const b = new widgets.IntText({ value: 2 });
    const linked = widgets.link([a, "value"], [b, "value"]);
    expect(b.value).toBe(1);
    b.value = 6;
    expect(a.value).toBe(6);
    linked.unlink();
    b.value = 7;
    expect(a.value).toBe(6);
    sent = [];
    widgets.jslink([a, "value"], [b, "value"]);
    expect(sent[0].data!.state).toMatchObject({
      _model_name: "LinkModel",
      source: [`IPY_MODEL_${a.modelId}`, "value"],
      target: [`IPY_MODEL_${b.modelId}`, "value"],
    });
  });

  test("an Output widget captures display() of a callback, and a failing captured callback shows its error there", async () => {
    const out = new widgets.Output();
    const button = new widgets.Button();
    button.onClick(out.capture(() => display.html("<b>clicked</b>")));
    button.onClick(
      out.capture(() => {
        throw new RangeError("too far");
      }),
    );
    expect(await click(button)).toEqual([]);
    expect(out.outputs).toEqual([
      { output_type: "display_data", data: { "text/html": "<b>clicked</b>", "text/plain": "clicked" }, metadata: {} },
      expect.objectContaining({ output_type: "error", ename: "RangeError", evalue: "too far" }),
    ]);
  });

  test("an anywidget carries its module and state to anywidget's front end; its state keys are properties", async () => {
    const counter = widgets.anywidget({ esm: "export default { render() {} }", css: ".x {}", state: { count: 0 } });
    expect(opened(counter.modelId)).toMatchObject({
      _model_name: "AnyModel",
      _model_module: "anywidget",
      _view_name: "AnyView",
      _esm: "export default { render() {} }",
      _css: ".x {}",
      count: 0,
    });
    await frontEndUpdate(counter, { count: 2 });
    expect(counter.count).toBe(2);
    counter.count = 5;
    expect(updates(counter.modelId).pop()).toEqual({ method: "update", state: { count: 5 }, buffer_paths: [] });
    expect(() => widgets.anywidget({ esm: "", state: { _secret: 1 } })).toThrow(
      "AnyWidget's state cannot use the names _secret: they belong to the widget protocol.",
    );
    expect(() => widgets.anywidget({} as never)).toThrow("AnyWidget needs esm, the front end's module source as a string; it got undefined.");
  });

  test("bad input is one sentence naming the option", () => {
    expect(() => new widgets.IntSlider({ vlaue: 3 } as never)).toThrow(/^IntSlider has no option "vlaue"; its options are .*value, min, max/);
    expect(() => new widgets.FloatSlider({ max: "10" } as never)).toThrow('FloatSlider\'s option "max" must be a number; it got the string "10".');
    expect(() => new widgets.HBox([1] as never)).toThrow('HBox\'s option "children" must be an array of widgets; it got number 1 in it.');
    expect(() => widgets.interactive(() => 0, { x: [] })).toThrow(/^interact cannot make a control for "x" from an array/);
    expect(() => new widgets.IntSlider({ layout: { widht: "10px" } as never })).toThrow(/^Layout has no option "widht"/);
  });

  test("the text fallback says which widget and state a front end without widgets would have drawn", () => {
    const slider = new widgets.IntSlider({ value: 3, max: 10, description: "n" });
    expect(display.toBundle(slider)).toEqual({
      "application/vnd.jupyter.widget-view+json": { version_major: 2, version_minor: 0, model_id: slider.modelId },
      "text/plain": 'IntSlider(value=3, max=10, description="n")',
    });
  });
});

// Last in the file: it leaves a cell (ended) behind, which widgets registered later would bind to.
describe("where a callback prints, around cells as the kernel's runtime worker marks them", () => {
  const areaId = (area: { data: Record<string, any> } | undefined): string => area!.data["application/vnd.jupyter.widget-view+json"].model_id;
  const areaOutputs = (area: { data: Record<string, any> } | undefined) => updates(areaId(area)).map((update) => update.state.outputs);

  test("a click prints into the area shown after the cell that registered it; a cell's own code prints in the running cell", async () => {
    startWidgetCell();
    const button = new widgets.Button();
    const slider = new widgets.IntSlider();
    button.onClick(() => display.html("<b>clicked</b>"));
    slider.observe((change) => display.html(`<i>${change.new}</i>`), "value");
    const area = endWidgetCell();
    expect(area?.data).toEqual({ "application/vnd.jupyter.widget-view+json": { version_major: 2, version_minor: 0, model_id: expect.any(String) } });
    expect(opened(areaId(area))._model_name).toBe("OutputModel");

    expect(await click(button)).toEqual([]);
    expect(areaOutputs(area).pop()).toEqual([{ output_type: "display_data", data: { "text/html": "<b>clicked</b>", "text/plain": "clicked" }, metadata: {} }]);

    // a later cell setting the value: the observer's output is that cell's, not the area's
    startWidgetCell();
    sent = [];
    slider.value = 4; // from plain Node, the cell's output is stdout

    expect(endWidgetCell()).toBeUndefined();
    expect(areaOutputs(area)).toEqual([]);
  });

  test("an Output widget wins; library callbacks (link, interact, a Button's own listener) give the cell no area", async () => {
    startWidgetCell();
    const out = new widgets.Output();
    const button = new widgets.Button();
    button.onClick(out.capture(() => display.html("<b>captured</b>")));
    const a = new widgets.IntSlider();
    const b = new widgets.IntSlider();
    widgets.link([a, "value"], [b, "value"]);
    widgets.interactive(({ n }) => n, { n: [0, 10] });
    expect(endWidgetCell()).toBeUndefined();
    expect(await click(button)).toEqual([]);
    expect(out.outputs).toEqual([{ output_type: "display_data", data: { "text/html": "<b>captured</b>", "text/plain": "captured" }, metadata: {} }]);
  });

  test("a failing callback shows its error in the area and is still reported with the front-end message", async () => {
    startWidgetCell();
    const button = new widgets.Button();
    button.onClick(() => {
      throw new RangeError("too far");
    });
    const area = endWidgetCell();
    const failures = await click(button);
    expect(failures.map((error) => (error as Error).message)).toEqual(["too far"]);
    expect(areaOutputs(area).pop()).toEqual([expect.objectContaining({ output_type: "error", ename: "RangeError", evalue: "too far" })]);
  });
});
