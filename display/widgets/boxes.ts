/** Containers: boxes that lay children out in a row, a column or a grid, and tabs and accordions of them. */
import { defineWidget } from "./define";
import { Layout, layoutOption } from "./layout";
import { describeValue, integer, nullable, oneOf, string, WidgetOptionError, type Coerce } from "./options";
import { WidgetModel, type WidgetSpec } from "./widget-model";
import type { ControlOptions, DOMWidgetState } from "./controls";

export interface BoxState extends DOMWidgetState {
  children: WidgetModel[];
  box_style: "success" | "info" | "warning" | "danger" | "";
}
export interface SelectionContainerState extends BoxState {
  titles: string[];
  selected_index: number | null;
}

const children: Coerce = (value, where) => {
  if (Array.isArray(value) && value.every((child) => child instanceof WidgetModel)) return value;
  const bad = Array.isArray(value) ? value.find((child) => !(child instanceof WidgetModel)) : value;
  throw new WidgetOptionError(`${where} must be an array of widgets; it got ${describeValue(bad)}${Array.isArray(value) ? " in it" : ""}.`);
};
const titles: Coerce = (value, where) => {
  if (Array.isArray(value) && value.every((title) => typeof title === "string")) return value;
  throw new WidgetOptionError(`${where} must be an array of strings; it got ${describeValue(value)}.`);
};

function boxSpec<S extends BoxState>(className: string, own: () => Partial<S> = () => ({}), checks: Record<string, Coerce> = {}): WidgetSpec<S> {
  return {
    className,
    model: `${className}Model`,
    view: `${className}View`,
    defaults: () => ({ _dom_classes: [], layout: null, tabbable: null, tooltip: null, children: [], box_style: "", ...own() }) as unknown as S,
    checks: {
      layout: layoutOption,
      children,
      tooltip: nullable(string),
      box_style: oneOf("success", "info", "warning", "danger", ""),
      ...checks,
    } as WidgetSpec<S>["checks"],
    make: { layout: () => new Layout() } as WidgetSpec<S>["make"],
  };
}

export type BoxOptions<S extends BoxState = BoxState> = ControlOptions<S>;

/** A box's children can also be the first argument: new widgets.HBox([a, b]). */
function box<S extends BoxState>(spec: WidgetSpec<S>) {
  const Base = defineWidget<S, ControlOptions<S>>(spec);
  class Box extends (Base as unknown as new (options?: object) => WidgetModel<S>) {
    constructor(childrenOrOptions?: WidgetModel[] | ControlOptions<S>, options: ControlOptions<S> = {} as ControlOptions<S>) {
      super(Array.isArray(childrenOrOptions) ? { ...options, children: childrenOrOptions } : childrenOrOptions);
    }
  }
  Object.defineProperty(Box, "name", { value: spec.className });
  return Box as unknown as new (childrenOrOptions?: WidgetModel[] | ControlOptions<S>, options?: ControlOptions<S>) => WidgetModel<S> & S;
}

export const Box = box<BoxState>(boxSpec("Box"));
export type Box = InstanceType<typeof Box>;
export const HBox = box<BoxState>(boxSpec("HBox"));
export type HBox = InstanceType<typeof HBox>;
export const VBox = box<BoxState>(boxSpec("VBox"));
export type VBox = InstanceType<typeof VBox>;
/** Children placed by CSS grid: layout.grid_template_columns and friends. */
export const GridBox = box<BoxState>(boxSpec("GridBox"));
export type GridBox = InstanceType<typeof GridBox>;
export const Tab = box<SelectionContainerState>(
  boxSpec<SelectionContainerState>("Tab", () => ({ titles: [], selected_index: null }), { titles, selected_index: nullable(integer) }),
);
export type Tab = InstanceType<typeof Tab>;
export const Accordion = box<SelectionContainerState>(
  boxSpec<SelectionContainerState>("Accordion", () => ({ titles: [], selected_index: null }), { titles, selected_index: nullable(integer) }),
);
export type Accordion = InstanceType<typeof Accordion>;
