/**
 * interact(fn, { lr: [1e-4, 1e-1], layers: ["all", "head"] }): a control per argument, chosen from
 * ipywidgets' abbreviations, and fn run again with the values whenever one changes; its output
 * and return value appear in an Output widget below the controls.
 */
import { emitDisplay } from "../sink";
import { withoutCellOutput } from "./callback-binding";
import { Checkbox, Dropdown, FloatSlider, IntSlider, Text, Button } from "./controls";
import { VBox } from "./boxes";
import { Output } from "./output";
import { describeValue, WidgetOptionError } from "./options";
import { WidgetModel } from "./widget-model";
import { toBundle } from "../to-bundle";

/** A value passed to fn unchanged, with no control. */
export class Fixed<T> {
  constructor(readonly value: T) {}
}
export function fixed<T>(value: T): Fixed<T> {
  return new Fixed(value);
}

/** The value an abbreviation gives the function. */
export type AbbreviationValue<A> =
  A extends Fixed<infer T>
    ? T
    : A extends WidgetModel & { value: infer V }
      ? V
      : A extends boolean
        ? boolean
        : A extends string
          ? string
          : A extends number
            ? number
            : A extends readonly number[]
              ? number
              : A extends readonly (infer T)[]
                ? T
                : A extends Record<string, infer T>
                  ? T
                  : unknown;

export type InteractValues<S> = { [K in keyof S]: AbbreviationValue<S[K]> };

export interface InteractOptions {
  /** Run only when the "Run Interact" button is clicked. */
  manual?: boolean;
  /** Label of that button. */
  manualName?: string;
}

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The control ipywidgets would make for this abbreviation. */
export function widgetFor(name: string, abbreviation: unknown): WidgetModel & { value: unknown } {
  const description = name;
  if (abbreviation instanceof WidgetModel) {
    if (!("value" in abbreviation)) throw new WidgetOptionError(`interact: the widget given for "${name}" (${abbreviation.className}) has no value.`);
    return abbreviation as WidgetModel & { value: unknown };
  }
  if (typeof abbreviation === "boolean") return new Checkbox({ value: abbreviation, description });
  if (typeof abbreviation === "string") return new Text({ value: abbreviation, description });
  if (isNumber(abbreviation)) {
    const [min, max] = abbreviation > 0 ? [-abbreviation, 3 * abbreviation] : abbreviation < 0 ? [3 * abbreviation, -abbreviation] : [-1, 1];
    if (Number.isInteger(abbreviation)) return new IntSlider({ value: abbreviation, min, max, description });
    return new FloatSlider({ value: abbreviation, min, max, step: (max - min) / 100, description });
  }
  if (Array.isArray(abbreviation) && (abbreviation.length === 2 || abbreviation.length === 3) && abbreviation.every(isNumber)) {
    const [min, max, step] = abbreviation as number[];
    if (min > max) throw new WidgetOptionError(`interact: the range for "${name}" must be [min, max] with min ≤ max; it got [${abbreviation.join(", ")}].`);
    if (abbreviation.every(Number.isInteger)) return new IntSlider({ value: Math.round((min + max) / 2), min, max, step: step ?? 1, description });
    return new FloatSlider({ value: (min + max) / 2, min, max, step: step ?? (max - min) / 100, description, readout_format: ".3g" });
  }
  if (Array.isArray(abbreviation) && abbreviation.length > 0) return new Dropdown({ options: abbreviation, description });
  if (typeof abbreviation === "object" && abbreviation !== null && !Array.isArray(abbreviation) && Object.keys(abbreviation).length > 0)
    return new Dropdown({ options: abbreviation as Record<string, unknown>, description });
  throw new WidgetOptionError(
    `interact cannot make a control for "${name}" from ${describeValue(abbreviation)}: give a boolean, a string, a number, [min, max(, step)], a non-empty array of choices, an object of label → value, a widget, or widgets.fixed(value).`,
  );
}

/** The controls and output of interact, as one widget (a VBox) that can be displayed or put in a layout. */
export interface Interactive<S> extends VBox {
  /** The arguments as the controls now give them. */
  readonly kwargs: InteractValues<S>;
  /** What the last run returned (awaited when it was a promise). */
  readonly result: unknown;
  readonly output: Output;
  /** Runs fn with the current values (what a change or the button does). */
  update(): Promise<void>;
}

export function interactive<S extends Record<string, unknown>>(
  fn: (args: InteractValues<S>) => unknown,
  spec: S,
  options: InteractOptions = {},
): Interactive<S> {
  if (typeof fn !== "function") throw new WidgetOptionError(`interact takes a function first; it got ${describeValue(fn)}.`);
  if (typeof spec !== "object" || spec === null || Array.isArray(spec))
    throw new WidgetOptionError(
      `interact takes an object of argument name → abbreviation second, such as { lr: [1e-4, 1e-1] }; it got ${describeValue(spec)}.`,
    );
  const controls: Array<[string, WidgetModel & { value: unknown }]> = [];
  const fixedValues: Record<string, unknown> = {};
  for (const [name, abbreviation] of Object.entries(spec)) {
    if (abbreviation instanceof Fixed) fixedValues[name] = abbreviation.value;
    else controls.push([name, widgetFor(name, abbreviation)]);
  }
  const output = new Output();
  const button = options.manual ? new Button({ description: options.manualName ?? "Run Interact" }) : undefined;
  const box = new VBox([...controls.map(([, control]) => control), ...(button ? [button] : []), output]);
  const kwargs = () => ({ ...fixedValues, ...Object.fromEntries(controls.map(([name, control]) => [name, control.value])) }) as InteractValues<S>;
  let result: unknown;
  const update = async () => {
    output.clear({ wait: true });
    await output.run(async () => {
      try {
        result = await fn(kwargs());
        if (result !== undefined) {
          const data = toBundle(result);
          if (data) emitDisplay({ data });
        }
      } catch (error) {
        // shown where the function's output goes, as ipywidgets does; the controls keep working
        const err = error instanceof Error ? error : new Error(String(error));
        output.appendOutput({ output_type: "error", ename: err.name, evalue: err.message, traceback: [err.stack ?? `${err.name}: ${err.message}`] });
      }
    });
  };
  // update prints into interact's own Output: the cell gets no output area for it
  withoutCellOutput(() => {
    if (button) button.onClick(() => update());
    else for (const [, control] of controls) control.observe(() => update(), "value");
  });
  Object.defineProperties(box, {
    kwargs: { get: kwargs },
    result: { get: () => result },
    output: { value: output },
    update: { value: update },
  });
  if (!button) {
    // the first run; its failure is shown in the output area, not thrown at the cell
    update().catch(() => undefined);
  }
  return box as unknown as Interactive<S>;
}

/**
 * interactive(...) shown at once, as ipywidgets' interact does. It returns nothing, so a cell ending
 * with it does not show the controls twice; interactive() gives the widget to place yourself.
 */
export function interact<S extends Record<string, unknown>>(fn: (args: InteractValues<S>) => unknown, spec: S, options: InteractOptions = {}): void {
  const widget = interactive(fn, spec, options);
  emitDisplay({ data: toBundle(widget) ?? { "text/plain": String(widget) } });
}

/** interact with a "Run Interact" button: fn runs only on click. */
export function interactManual<S extends Record<string, unknown>>(fn: (args: InteractValues<S>) => unknown, spec: S): void {
  interact(fn, spec, { manual: true });
}
