/**
 * Custom widgets written in the notebook: an ES module (`_esm`, and optional `_css`) that
 * anywidget's front end (PyPI's `anywidget` ships the JupyterLab extension) loads and runs with
 * the model: `export default { render({ model, el }) { … } }`. Its state is whatever the cell
 * gives; model.get/set/save_changes in the module and .get/.set/observe here see the same values.
 */
import { Layout, layoutOption } from "./layout";
import { WidgetModel, type WidgetSpec } from "./widget-model";
import { describeValue, WidgetOptionError } from "./options";

/**
 * The anywidget front end the kernel asks for: the one we test with (test/requirements.txt pins
 * anywidget 0.11.0). Its JupyterLab extension registers the module "anywidget" at its exact version,
 * and the widget manager loads a model only when that version satisfies the range the model names;
 * "~0.11.*" is the range anywidget's own Python package sends, so any 0.11.x front end draws it.
 * Another anywidget (0.10, 0.12…) cannot make the model: the output shows "Error displaying widget".
 */
const ANYWIDGET_FRONT_END = { module: "anywidget", version: "~0.11.*" };

export interface AnyWidgetOptions<S extends Record<string, unknown>> {
  /** The front end's ES module source: `export default { render({ model, el }) { … } }`. */
  esm: string;
  css?: string;
  /** The synced state, e.g. { count: 0 }; the module reads it with model.get("count"). */
  state?: S;
  layout?: Layout | Record<string, string>;
  /** Names the widget's kind to anywidget (it scopes the CSS by it); default "tsfine.AnyWidget". */
  id?: string;
}

export class AnyWidget<S extends Record<string, unknown> = Record<string, unknown>> extends WidgetModel<S> {
  constructor(options: AnyWidgetOptions<S>) {
    if (typeof options?.esm !== "string")
      throw new WidgetOptionError(`AnyWidget needs esm, the front end's module source as a string; it got ${describeValue(options?.esm)}.`);
    const state = options.state ?? ({} as S);
    const reserved = Object.keys(state).filter((key) => key.startsWith("_") || ["layout", "tabbable", "tooltip"].includes(key));
    if (reserved.length > 0) throw new WidgetOptionError(`AnyWidget's state cannot use the names ${reserved.join(", ")}: they belong to the widget protocol.`);
    const spec: WidgetSpec<S> = {
      className: "AnyWidget",
      model: "AnyModel",
      modelModule: ANYWIDGET_FRONT_END,
      view: "AnyView",
      defaults: () =>
        ({
          _dom_classes: [],
          layout: null,
          tabbable: null,
          tooltip: null,
          _esm: options.esm,
          ...(options.css !== undefined ? { _css: options.css } : {}),
          _anywidget_id: options.id ?? "tsfine.AnyWidget",
          ...state,
        }) as unknown as S,
      checks: { layout: layoutOption } as WidgetSpec<S>["checks"],
      make: { layout: () => new Layout() } as WidgetSpec<S>["make"],
    };
    super(spec, options.layout ? { layout: options.layout } : {});
  }
}

/** An AnyWidget whose state keys are also properties: `counter.count`, `counter.count = 3`. */
export function anywidget<S extends Record<string, unknown>>(options: AnyWidgetOptions<S>): AnyWidget<S> & S {
  const widget = new AnyWidget(options);
  for (const key of Object.keys(options.state ?? {})) {
    Object.defineProperty(widget, key, {
      enumerable: true,
      get: () => widget.get(key as keyof S & string),
      set: (value) => widget.set({ [key]: value } as Partial<S>),
    });
  }
  return widget as AnyWidget<S> & S;
}
