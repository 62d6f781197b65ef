/**
 * Layout and style: the CSS of a widget, each a widget of its own that the control references.
 * Keys are ipywidgets' (snake_case), so examples written for Python carry over.
 */
import { defineWidget, type Options, type Widget } from "./define";
import { describeValue, WidgetOptionError, type Coerce } from "./options";
import { BASE, CONTROLS, WidgetModel } from "./widget-model";

const LAYOUT_KEYS = [
  "align_content",
  "align_items",
  "align_self",
  "border_top",
  "border_right",
  "border_bottom",
  "border_left",
  "bottom",
  "display",
  "flex",
  "flex_flow",
  "grid_area",
  "grid_auto_columns",
  "grid_auto_flow",
  "grid_auto_rows",
  "grid_column",
  "grid_gap",
  "grid_row",
  "grid_template_areas",
  "grid_template_columns",
  "grid_template_rows",
  "height",
  "justify_content",
  "justify_items",
  "left",
  "margin",
  "max_height",
  "max_width",
  "min_height",
  "min_width",
  "object_fit",
  "object_position",
  "order",
  "overflow",
  "padding",
  "right",
  "top",
  "visibility",
  "width",
] as const;

export type LayoutState = { [K in (typeof LAYOUT_KEYS)[number]]: string | null };

const cssValue: Coerce = (value, where) => {
  if (value === null || typeof value === "string") return value;
  throw new WidgetOptionError(`${where} must be a CSS string such as "300px"; it got ${describeValue(value)}.`);
};

const LayoutBase = defineWidget<LayoutState>({
  className: "Layout",
  model: "LayoutModel",
  modelModule: BASE,
  view: "LayoutView",
  defaults: () => Object.fromEntries(LAYOUT_KEYS.map((key) => [key, null])) as LayoutState,
  checks: Object.fromEntries(LAYOUT_KEYS.map((key) => [key, cssValue])),
});

/** A widget's box: width, height, margins, flex and grid placement. `border` sets all four sides. */
export class Layout extends LayoutBase {
  constructor(options: Options<LayoutState> & { border?: string } = {}) {
    const { border, ...rest } = options;
    super(border === undefined ? rest : { border_top: border, border_right: border, border_bottom: border, border_left: border, ...rest });
  }
}

export type StyleState = Record<string, string | null>;

const STYLE_KEYS: Record<string, string[]> = {
  DescriptionStyleModel: ["description_width"],
  SliderStyleModel: ["description_width", "handle_color"],
  ProgressStyleModel: ["description_width", "bar_color"],
  ButtonStyleModel: ["button_color", "font_family", "font_size", "font_style", "font_variant", "font_weight", "text_color", "text_decoration"],
  ToggleButtonStyleModel: ["description_width", "font_family", "font_size", "font_style", "font_variant", "font_weight", "text_color", "text_decoration"],
  ToggleButtonsStyleModel: ["description_width", "button_width", "font_weight"],
  CheckboxStyleModel: ["description_width", "background"],
  TextStyleModel: ["description_width", "background", "font_size", "text_color"],
  HTMLStyleModel: ["description_width", "background", "font_size", "text_color"],
  LabelStyleModel: [
    "description_width",
    "background",
    "font_family",
    "font_size",
    "font_style",
    "font_variant",
    "font_weight",
    "text_color",
    "text_decoration",
  ],
};

/** The style of one kind of control (its model names the keys it has, e.g. a slider's handle_color). */
export function styleClass(model: keyof typeof STYLE_KEYS & string): new (options?: StyleState) => Widget<StyleState> {
  const keys = STYLE_KEYS[model];
  return defineWidget<StyleState>({
    className: model.replace(/Model$/, ""),
    model,
    modelModule: CONTROLS,
    view: "StyleView",
    viewModule: BASE,
    // as ipywidgets: description_width and the toggle buttons' sizes are "" (the front end's default), the rest null
    defaults: () => Object.fromEntries(keys.map((key) => [key, key === "description_width" || model === "ToggleButtonsStyleModel" ? "" : null])),
    checks: Object.fromEntries(keys.map((key) => [key, cssValue])),
  });
}

/** A layout option: a Layout, or a plain object of its keys. */
export const layoutOption: Coerce = (value, where) => {
  if (value instanceof Layout) return value;
  if (typeof value === "object" && value !== null && !(value instanceof WidgetModel) && !Array.isArray(value)) return new Layout(value as Options<LayoutState>);
  throw new WidgetOptionError(`${where} must be a widgets.Layout or an object such as { width: "300px" }; it got ${describeValue(value)}.`);
};

/** A style option: a style widget of the right kind, or a plain object of its keys. */
export function styleOption(Style: new (options?: StyleState) => Widget<StyleState>): Coerce {
  return (value, where) => {
    if (value instanceof Style) return value;
    if (typeof value === "object" && value !== null && !(value instanceof WidgetModel) && !Array.isArray(value)) return new Style(value as StyleState);
    throw new WidgetOptionError(`${where} must be an object of style keys such as { description_width: "initial" }; it got ${describeValue(value)}.`);
  };
}
