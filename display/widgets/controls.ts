/**
 * The standard controls of @jupyter-widgets/controls 2.0.0 (ipywidgets 8), with their state typed.
 * Each is a spec (model, view, defaults, checks) turned into a class by defineWidget; the few with
 * behaviour of their own (Button clicks, selections' value ↔ index) extend that class.
 */
import { bindCallback, withoutCellOutput } from "./callback-binding";
import { defineWidget, type Widget } from "./define";
import { Layout, layoutOption, styleClass, styleOption, type LayoutState, type StyleState } from "./layout";
import { array, boolean, integer, nullable, number, oneOf, pair, string, WidgetOptionError, describeValue, type Coerce } from "./options";
import { WidgetModel, type Change, type WidgetSpec } from "./widget-model";

export interface DOMWidgetState {
  _dom_classes: string[];
  layout: Layout;
  tabbable: boolean | null;
  tooltip: string | null;
}

export interface DescriptionState extends DOMWidgetState {
  description: string;
  description_allow_html: boolean;
  style: Widget<StyleState>;
}

/** What a control's constructor takes: its state keys, with layout and style also as plain objects. */
export type ControlOptions<S extends object, Internal extends string = never> = Partial<Omit<S, `_${string}` | "layout" | "style" | Internal>> & {
  layout?: Layout | (Partial<LayoutState> & { border?: string });
  style?: Widget<StyleState> | StyleState;
};

type Own<S extends object> = Omit<S, keyof DescriptionState>;

const BUTTON_STYLES = ["primary", "success", "info", "warning", "danger", ""];
const BAR_STYLES = ["success", "info", "warning", "danger", ""];

function domDefaults(): DOMWidgetState {
  return { _dom_classes: [], layout: null as unknown as Layout, tabbable: null, tooltip: null };
}

/** A control's spec: the DOM and description keys every control has, plus its own. */
function control<S extends object>(
  className: string,
  view: string,
  styleModel: Parameters<typeof styleClass>[0] | null,
  own: () => Own<S>,
  checks: Partial<Record<keyof S & string, Coerce>> = {},
  extra: Partial<WidgetSpec<S>> = {},
): WidgetSpec<S> {
  const Style = styleModel ? styleClass(styleModel) : undefined;
  return {
    className,
    model: `${className}Model`,
    view,
    defaults: () =>
      ({
        ...domDefaults(),
        ...(Style ? { description: "", description_allow_html: false, style: null } : {}),
        ...own(),
      }) as unknown as S,
    checks: {
      layout: layoutOption,
      tooltip: nullable(string),
      tabbable: nullable(boolean),
      ...(Style ? { style: styleOption(Style) } : {}),
      ...checks,
    } as WidgetSpec<S>["checks"],
    make: { layout: () => new Layout(), ...(Style ? { style: () => new Style() } : {}) } as WidgetSpec<S>["make"],
    ...extra,
  };
}

// ---- numbers ---------------------------------------------------------------------------

interface SliderKeys<T> {
  value: T;
  min: number;
  max: number;
  step: number;
  disabled: boolean;
  continuous_update: boolean;
  orientation: "horizontal" | "vertical";
  readout: boolean;
  readout_format: string;
  behavior: string;
}
export interface IntSliderState extends DescriptionState, SliderKeys<number> {}
export interface FloatSliderState extends DescriptionState, SliderKeys<number> {}
export interface FloatLogSliderState extends DescriptionState, SliderKeys<number> {
  base: number;
}
export interface IntRangeSliderState extends DescriptionState, SliderKeys<[number, number]> {}
export interface FloatRangeSliderState extends DescriptionState, SliderKeys<[number, number]> {}

const slider = <T>(value: T, max: number, step: number, format: string): SliderKeys<T> => ({
  value,
  min: 0,
  max,
  step,
  disabled: false,
  continuous_update: true,
  orientation: "horizontal",
  readout: true,
  readout_format: format,
  behavior: "drag-tap",
});
const orientation = oneOf("horizontal", "vertical");
/** The Int widgets' bounds and step are whole numbers, as ipywidgets' Int traits require. */
const integerBounds = { min: integer, max: integer, step: integer };

export const IntSlider = defineWidget<IntSliderState, ControlOptions<IntSliderState>>(
  control("IntSlider", "IntSliderView", "SliderStyleModel", () => slider(0, 100, 1, "d"), {
    value: integer,
    ...integerBounds,
    orientation,
  }),
);
export type IntSlider = InstanceType<typeof IntSlider>;
export const FloatSlider = defineWidget<FloatSliderState, ControlOptions<FloatSliderState>>(
  control("FloatSlider", "FloatSliderView", "SliderStyleModel", () => slider(0, 100, 0.1, ".2f"), { orientation }),
);
export type FloatSlider = InstanceType<typeof FloatSlider>;
/** min and max are exponents of base; value is the number itself (1e-3). */
export const FloatLogSlider = defineWidget<FloatLogSliderState, ControlOptions<FloatLogSliderState>>(
  control("FloatLogSlider", "FloatLogSliderView", "SliderStyleModel", () => ({ ...slider(1, 4, 0.1, ".3g"), base: 10 }), { orientation }),
);
export type FloatLogSlider = InstanceType<typeof FloatLogSlider>;
export const IntRangeSlider = defineWidget<IntRangeSliderState, ControlOptions<IntRangeSliderState>>(
  control("IntRangeSlider", "IntRangeSliderView", "SliderStyleModel", () => slider<[number, number]>([25, 75], 100, 1, "d"), {
    value: pair(integer),
    ...integerBounds,
    orientation,
  }),
);
export type IntRangeSlider = InstanceType<typeof IntRangeSlider>;
export const FloatRangeSlider = defineWidget<FloatRangeSliderState, ControlOptions<FloatRangeSliderState>>(
  control("FloatRangeSlider", "FloatRangeSliderView", "SliderStyleModel", () => slider<[number, number]>([25, 75], 100, 0.1, ".2f"), {
    value: pair(number),
    orientation,
  }),
);
export type FloatRangeSlider = InstanceType<typeof FloatRangeSlider>;

export interface IntTextState extends DescriptionState {
  value: number;
  disabled: boolean;
  continuous_update: boolean;
  step: number;
}
export interface FloatTextState extends DescriptionState {
  value: number;
  disabled: boolean;
  continuous_update: boolean;
  step: number | null;
}
export const IntText = defineWidget<IntTextState, ControlOptions<IntTextState>>(
  control("IntText", "IntTextView", "DescriptionStyleModel", () => ({ value: 0, disabled: false, continuous_update: false, step: 1 }), {
    value: integer,
    step: integer,
  }),
);
export type IntText = InstanceType<typeof IntText>;
export const FloatText = defineWidget<FloatTextState, ControlOptions<FloatTextState>>(
  control("FloatText", "FloatTextView", "DescriptionStyleModel", () => ({ value: 0, disabled: false, continuous_update: false, step: null }), {
    step: nullable(number),
  }),
);
export type FloatText = InstanceType<typeof FloatText>;

export interface ProgressState extends DescriptionState {
  value: number;
  min: number;
  max: number;
  bar_style: "success" | "info" | "warning" | "danger" | "";
  orientation: "horizontal" | "vertical";
}
const progress = (max: number) => ({ value: 0, min: 0, max, bar_style: "" as const, orientation: "horizontal" as const });
export const IntProgress = defineWidget<ProgressState, ControlOptions<ProgressState>>(
  control("IntProgress", "ProgressView", "ProgressStyleModel", () => progress(100), { value: integer, bar_style: oneOf(...BAR_STYLES), orientation }),
);
export type IntProgress = InstanceType<typeof IntProgress>;
export const FloatProgress = defineWidget<ProgressState, ControlOptions<ProgressState>>(
  control("FloatProgress", "ProgressView", "ProgressStyleModel", () => progress(100), { bar_style: oneOf(...BAR_STYLES), orientation }),
);
export type FloatProgress = InstanceType<typeof FloatProgress>;

export interface PlayState extends DescriptionState {
  value: number;
  min: number;
  max: number;
  step: number;
  interval: number;
  playing: boolean;
  repeat: boolean;
  show_repeat: boolean;
  disabled: boolean;
}
/** Counts value from min to max, one step per interval (ms), while playing. */
export const Play = defineWidget<PlayState, ControlOptions<PlayState>>(
  control(
    "Play",
    "PlayView",
    "DescriptionStyleModel",
    () => ({ value: 0, min: 0, max: 100, step: 1, interval: 100, playing: false, repeat: false, show_repeat: true, disabled: false }),
    { value: integer, ...integerBounds, interval: integer },
  ),
);
export type Play = InstanceType<typeof Play>;

// ---- text ------------------------------------------------------------------------------

export interface TextState extends DescriptionState {
  value: string;
  placeholder: string;
  disabled: boolean;
  continuous_update: boolean;
}
export interface TextareaState extends TextState {
  rows: number | null;
}
export interface HTMLState extends DescriptionState {
  value: string;
  placeholder: string;
}
export const Text = defineWidget<TextState, ControlOptions<TextState>>(
  control("Text", "TextView", "TextStyleModel", () => ({ value: "", placeholder: "\u200b", disabled: false, continuous_update: true })),
);
export type Text = InstanceType<typeof Text>;
export const Textarea = defineWidget<TextareaState, ControlOptions<TextareaState>>(
  control("Textarea", "TextareaView", "TextStyleModel", () => ({ value: "", placeholder: "\u200b", disabled: false, continuous_update: true, rows: null }), {
    rows: nullable(integer),
  }),
);
export type Textarea = InstanceType<typeof Textarea>;
export const HTML = defineWidget<HTMLState, ControlOptions<HTMLState>>(
  control("HTML", "HTMLView", "HTMLStyleModel", () => ({ value: "", placeholder: "\u200b" })),
);
export type HTML = InstanceType<typeof HTML>;
export const Label = defineWidget<HTMLState, ControlOptions<HTMLState>>(
  control("Label", "LabelView", "LabelStyleModel", () => ({ value: "", placeholder: "\u200b" })),
);
export type Label = InstanceType<typeof Label>;

// ---- booleans --------------------------------------------------------------------------

export interface CheckboxState extends DescriptionState {
  value: boolean;
  disabled: boolean;
  indent: boolean;
}
export interface ToggleButtonState extends DescriptionState {
  value: boolean;
  disabled: boolean;
  icon: string;
  button_style: "primary" | "success" | "info" | "warning" | "danger" | "";
}
export const Checkbox = defineWidget<CheckboxState, ControlOptions<CheckboxState>>(
  control("Checkbox", "CheckboxView", "CheckboxStyleModel", () => ({ value: false, disabled: false, indent: true })),
);
export type Checkbox = InstanceType<typeof Checkbox>;
export const ToggleButton = defineWidget<ToggleButtonState, ControlOptions<ToggleButtonState>>(
  control("ToggleButton", "ToggleButtonView", "ToggleButtonStyleModel", () => ({ value: false, disabled: false, icon: "", button_style: "" as const }), {
    button_style: oneOf(...BUTTON_STYLES),
  }),
);
export type ToggleButton = InstanceType<typeof ToggleButton>;

// ---- button ----------------------------------------------------------------------------

export interface ButtonState extends Omit<DescriptionState, "description_allow_html"> {
  disabled: boolean;
  icon: string;
  button_style: "primary" | "success" | "info" | "warning" | "danger" | "";
}
/** A button's description is its caption, plain text: ipywidgets' ButtonModel has no description_allow_html. */
function withoutHtmlDescription<S extends object>(spec: WidgetSpec<S>): WidgetSpec<S> {
  const defaults = spec.defaults;
  return {
    ...spec,
    defaults: () => {
      const values = defaults() as Record<string, unknown>;
      delete values.description_allow_html;
      return values as S;
    },
  };
}
const ButtonBase = defineWidget<ButtonState, ControlOptions<ButtonState>>(
  withoutHtmlDescription(
    control<ButtonState>("Button", "ButtonView", "ButtonStyleModel", () => ({ disabled: false, icon: "", button_style: "" as const }), {
      button_style: oneOf(...BUTTON_STYLES),
    }),
  ),
);

/** A button; onClick(callback) runs the callback on every click in the front end. */
export class Button extends ButtonBase {
  /** callback: as registered (the remover finds it); run: bound to where its output goes (callback-binding.ts). */
  private readonly clickHandlers: Array<{ callback: (button: Button) => unknown; run: (button: Button) => unknown }> = [];

  constructor(options?: ControlOptions<ButtonState>) {
    super(options);
    // the front end's click message; the click callbacks each print where they were registered
    withoutCellOutput(() =>
      this.onCustomMessage((content) => {
        if ((content as { event?: unknown })?.event === "click") this.click();
      }),
    );
  }

  /** Runs callback(button) on each click; returns a function that removes it. */
  onClick(callback: (button: Button) => unknown): () => void {
    const entry = { callback, run: bindCallback(callback) };
    this.clickHandlers.push(entry);
    return () => {
      const index = this.clickHandlers.indexOf(entry);
      if (index >= 0) this.clickHandlers.splice(index, 1);
    };
  }

  /** Runs the click callbacks as a click in the front end does. */
  click(): void {
    this.runHandlers(this.clickHandlers.map((handler) => () => handler.run(this)));
  }
}

// ---- selections ------------------------------------------------------------------------

/** Choices: labels, [label, value] pairs, or an object of label → value. */
export type Choices<T = unknown> = ReadonlyArray<string | number | boolean | readonly [string, T]> | Record<string, T>;

function labelsAndValues(className: string, options: unknown): { labels: string[]; values: unknown[] } {
  if (Array.isArray(options)) {
    const labels: string[] = [];
    const values: unknown[] = [];
    for (const option of options) {
      if (Array.isArray(option) && option.length === 2 && typeof option[0] === "string") {
        labels.push(option[0]);
        values.push(option[1]);
      } else if (["string", "number", "boolean"].includes(typeof option)) {
        labels.push(String(option));
        values.push(option);
      } else throw new WidgetOptionError(`${className}'s options must be labels or [label, value] pairs; one was ${describeValue(option)}.`);
    }
    return { labels, values };
  }
  if (typeof options === "object" && options !== null) return { labels: Object.keys(options), values: Object.values(options) };
  throw new WidgetOptionError(`${className}'s option "options" must be an array of choices or an object of label → value; it got ${describeValue(options)}.`);
}

export interface SelectionState extends DescriptionState {
  _options_labels: string[];
  index: number | null;
  disabled: boolean;
}
export type SelectionOptions<T> = ControlOptions<SelectionState, "_options_labels"> & { options?: Choices<T>; value?: T | null; label?: string };

function selectionSpec<S extends SelectionState>(
  className: string,
  view: string,
  styleModel: Parameters<typeof styleClass>[0],
  own: () => Partial<Own<S>> = () => ({}),
) {
  return control<S>(
    className,
    view,
    styleModel,
    () => ({ _options_labels: [], index: null, disabled: false, ...own() }) as unknown as Own<S>,
    {
      index: nullable(integer),
    } as Partial<Record<keyof S & string, Coerce>>,
    { internal: ["_options_labels"] as Array<keyof S & string> },
  );
}

/**
 * One choice of several. value is the chosen option's value (its label's when options are labels);
 * the front end speaks in indices, and observers of "value" and "label" hear of its changes.
 */
function singleSelection<S extends SelectionState>(spec: WidgetSpec<S>) {
  const Base = defineWidget<S, ControlOptions<S>>(spec);
  class Selection<T = unknown> extends (Base as unknown as new (options?: object, preset?: object) => WidgetModel<S>) {
    private choiceValues: unknown[];

    constructor({ options = [], value, label, index, ...rest }: SelectionOptions<T> = {}) {
      const { labels, values } = labelsAndValues(spec.className, options);
      let chosen: number | null = labels.length > 0 ? 0 : null;
      if (index !== undefined) chosen = index;
      if (label !== undefined) chosen = labels.indexOf(label);
      if (value !== undefined) chosen = value === null ? null : values.findIndex((v) => v === value);
      if (chosen === -1 || (chosen !== null && (chosen < 0 || chosen >= labels.length)))
        throw new WidgetOptionError(`${spec.className}'s value ${JSON.stringify(value ?? label ?? index)} is not one of its options (${labels.join(", ")}).`);
      super(rest, { _options_labels: labels, index: chosen } as Partial<S>);
      this.choiceValues = values;
    }

    get value(): T | null {
      const index = this.get("index");
      return index === null ? null : (this.choiceValues[index] as T);
    }
    set value(value: T | null) {
      const index = value === null ? null : this.choiceValues.findIndex((v) => v === value);
      if (index === -1)
        throw new WidgetOptionError(
          `${spec.className}'s value ${JSON.stringify(value)} is not one of its options (${this.get("_options_labels").join(", ")}).`,
        );
      this.set({ index } as Partial<S>);
    }
    get label(): string | null {
      const index = this.get("index");
      return index === null ? null : this.get("_options_labels")[index];
    }
    set label(label: string | null) {
      const index = label === null ? null : this.get("_options_labels").indexOf(label);
      if (index === -1)
        throw new WidgetOptionError(`${spec.className} has no option labelled ${JSON.stringify(label)} (${this.get("_options_labels").join(", ")}).`);
      this.set({ index } as Partial<S>);
    }
    get index(): number | null {
      return this.get("index");
    }
    set index(index: number | null) {
      this.set({ index } as Partial<S>);
    }
    get options(): string[] {
      return [...this.get("_options_labels")];
    }
    /** New choices; the first is chosen. */
    set options(options: Choices<T>) {
      const { labels, values } = labelsAndValues(spec.className, options);
      this.choiceValues = values;
      this.set({ _options_labels: labels, index: labels.length > 0 ? 0 : null } as Partial<S>);
    }

    protected notify(changes: Change[]): void {
      const derived: Change[] = [];
      for (const change of changes) {
        if (change.name !== "index") continue;
        const at = (i: unknown, list: readonly unknown[]) => (typeof i === "number" ? list[i] : null);
        derived.push({ ...change, name: "value", old: at(change.old, this.choiceValues), new: at(change.new, this.choiceValues) });
        derived.push({ ...change, name: "label", old: at(change.old, this.get("_options_labels")), new: at(change.new, this.get("_options_labels")) });
      }
      super.notify([...changes, ...derived]);
    }
  }
  Object.defineProperty(Selection, "name", { value: spec.className });
  return Selection as unknown as new <T = unknown>(options?: SelectionOptions<T>) => WidgetModel<S> & Omit<S, "index" | "_options_labels"> & SingleSelection<T>;
}

/** What a single selection adds to its state: the chosen value and label, and the choices. */
export interface SingleSelection<T> {
  value: T | null;
  label: string | null;
  index: number | null;
  get options(): string[];
  set options(options: Choices<T>);
}

export const Dropdown = singleSelection<SelectionState>(selectionSpec("Dropdown", "DropdownView", "DescriptionStyleModel"));
export type Dropdown<T = unknown> = InstanceType<typeof Dropdown<T>>;
export interface RadioButtonsState extends SelectionState {
  orientation: "horizontal" | "vertical";
}
export const RadioButtons = singleSelection<RadioButtonsState>(
  selectionSpec<RadioButtonsState>("RadioButtons", "RadioButtonsView", "DescriptionStyleModel", () => ({ orientation: "vertical" })),
);
export type RadioButtons<T = unknown> = InstanceType<typeof RadioButtons<T>>;
export interface ToggleButtonsState extends SelectionState {
  button_style: string;
  icons: string[];
  tooltips: string[];
}
export const ToggleButtons = singleSelection<ToggleButtonsState>(
  selectionSpec<ToggleButtonsState>("ToggleButtons", "ToggleButtonsView", "ToggleButtonsStyleModel", () => ({ button_style: "", icons: [], tooltips: [] })),
);
export type ToggleButtons<T = unknown> = InstanceType<typeof ToggleButtons<T>>;

export interface SelectMultipleState extends DescriptionState {
  _options_labels: string[];
  index: number[];
  rows: number;
  disabled: boolean;
}
const SelectMultipleBase = defineWidget<SelectMultipleState, ControlOptions<SelectMultipleState>>(
  control<SelectMultipleState>(
    "SelectMultiple",
    "SelectMultipleView",
    "DescriptionStyleModel",
    () => ({ _options_labels: [], index: [], rows: 5, disabled: false }),
    {
      rows: integer,
    },
    { internal: ["_options_labels"] },
  ),
);

/** Several choices at once: value is the chosen options' values, in the options' order. */
export class SelectMultiple<T = unknown> extends SelectMultipleBase {
  private choiceValues: unknown[];

  constructor({ options = [], value, ...rest }: ControlOptions<SelectMultipleState, "_options_labels" | "index"> & { options?: Choices<T>; value?: T[] } = {}) {
    const { labels, values } = labelsAndValues("SelectMultiple", options);
    const index = (value ?? []).map((v) => values.indexOf(v));
    if (index.includes(-1))
      throw new WidgetOptionError(`SelectMultiple's value ${JSON.stringify(value)} has items that are not among its options (${labels.join(", ")}).`);
    super(rest, { _options_labels: labels, index });
    this.choiceValues = values;
  }

  get value(): T[] {
    return this.get("index").map((i) => this.choiceValues[i] as T);
  }
  set value(value: T[]) {
    const index = value.map((v) => this.choiceValues.indexOf(v));
    if (index.includes(-1)) throw new WidgetOptionError(`SelectMultiple's value ${JSON.stringify(value)} has items that are not among its options.`);
    this.set({ index });
  }

  protected notify(changes: Change[]): void {
    const derived = changes
      .filter((change) => change.name === "index")
      .map((change) => ({
        ...change,
        name: "value",
        old: (change.old as number[]).map((i) => this.choiceValues[i]),
        new: (change.new as number[]).map((i) => this.choiceValues[i]),
      }));
    super.notify([...changes, ...derived]);
  }
}

// ---- images and files ------------------------------------------------------------------

export interface ImageState extends DOMWidgetState {
  value: Uint8Array;
  format: string;
  width: string;
  height: string;
}
const bytes: Coerce = (value, where) => {
  if (value instanceof Uint8Array) return value;
  throw new WidgetOptionError(`${where} must be the encoded image's bytes (a Uint8Array or Buffer); it got ${describeValue(value)}.`);
};
const ImageSpec: WidgetSpec<ImageState> = {
  className: "Image",
  model: "ImageModel",
  view: "ImageView",
  defaults: () => ({ ...domDefaults(), value: new Uint8Array(0), format: "png", width: "", height: "" }),
  checks: { layout: layoutOption, value: bytes, tooltip: nullable(string) },
  make: { layout: () => new Layout() },
};
/** Encoded image bytes (PNG, JPEG, GIF), sent as a binary buffer. */
export const Image = defineWidget<ImageState, ControlOptions<ImageState>>(ImageSpec);
export type Image = InstanceType<typeof Image>;

export interface UploadedFile {
  name: string;
  type: string;
  size: number;
  content: Uint8Array;
  last_modified: number;
}
export interface FileUploadState extends DescriptionState {
  accept: string;
  multiple: boolean;
  disabled: boolean;
  icon: string;
  button_style: string;
  error: string;
  value: UploadedFile[];
}
/** A file picker; value lists the uploaded files with their bytes (content). */
export const FileUpload = defineWidget<FileUploadState, ControlOptions<FileUploadState>>(
  control(
    "FileUpload",
    "FileUploadView",
    "ButtonStyleModel",
    () => ({ description: "Upload", accept: "", multiple: false, disabled: false, icon: "upload", button_style: "", error: "", value: [] }),
    { button_style: oneOf(...BUTTON_STYLES), value: array },
    { noEcho: ["value"] },
  ),
);
export type FileUpload = InstanceType<typeof FileUpload>;
