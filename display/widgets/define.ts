/**
 * One function turns a widget's spec into a class with typed state: `new IntSlider({ value: 3 })`,
 * `slider.value`, `slider.value = 4`. The state keys become accessors on the prototype; the
 * types come from the state interface, so a cell's typo is a type error before it runs.
 */
import { defineStateAccessors, WidgetModel, type WidgetSpec } from "./widget-model";

/** A widget instance: the model's methods plus its state as properties. */
export type Widget<S extends object> = WidgetModel<S> & S;

/** What a constructor takes: any subset of the options (protocol keys and derived ones excluded). */
export type Options<S extends object, Internal extends string = never> = Partial<Omit<S, `_${string}` | Internal>>;

export interface WidgetClass<S extends object, O = Options<S>> {
  new (options?: O, preset?: Partial<S>): Widget<S>;
  readonly spec: WidgetSpec<S>;
}

export function defineWidget<S extends object, O = Options<S>>(spec: WidgetSpec<S>): WidgetClass<S, O> {
  class Defined extends WidgetModel<S> {
    static readonly spec = spec;
    constructor(options?: O, preset?: Partial<S>) {
      super(spec, options as object | undefined, preset);
    }
  }
  Object.defineProperty(Defined, "name", { value: spec.className });
  defineStateAccessors(Defined, Object.keys(spec.defaults()));
  return Defined as unknown as WidgetClass<S, O>;
}
