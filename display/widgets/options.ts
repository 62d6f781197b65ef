/**
 * Checks of what a cell passes to a widget: an unknown option or a value of the wrong type is one
 * sentence naming the widget, the option, what it takes and what it got.
 */
export type Coerce = (value: unknown, where: string) => unknown;

export class WidgetOptionError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "WidgetOptionError";
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array (${JSON.stringify(value).slice(0, 40)})`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  if (typeof value === "object") return `${(value as { constructor?: { name?: string } }).constructor?.name ?? "an object"}`;
  return `${typeof value} ${String(value)}`;
}

/** The check a default value implies: a number takes numbers, a string strings, and so on; null takes anything. */
export function checkLike(defaultValue: unknown): Coerce {
  if (typeof defaultValue === "number") return number;
  if (typeof defaultValue === "string") return string;
  if (typeof defaultValue === "boolean") return boolean;
  if (Array.isArray(defaultValue)) return array;
  return (value) => value;
}

export const number: Coerce = (value, where) => {
  if (typeof value === "number" && !Number.isNaN(value)) return value;
  throw new WidgetOptionError(`${where} must be a number; it got ${describeValue(value)}.`);
};

export const integer: Coerce = (value, where) => {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new WidgetOptionError(`${where} must be an integer; it got ${describeValue(value)}.`);
};

export const string: Coerce = (value, where) => {
  if (typeof value === "string") return value;
  throw new WidgetOptionError(`${where} must be a string; it got ${describeValue(value)}.`);
};

export const boolean: Coerce = (value, where) => {
  if (typeof value === "boolean") return value;
  throw new WidgetOptionError(`${where} must be true or false; it got ${describeValue(value)}.`);
};

export const array: Coerce = (value, where) => {
  if (Array.isArray(value)) return value;
  throw new WidgetOptionError(`${where} must be an array; it got ${describeValue(value)}.`);
};

export function nullable(inner: Coerce): Coerce {
  return (value, where) => (value === null ? null : inner(value, where));
}

export function oneOf(...choices: string[]): Coerce {
  return (value, where) => {
    if (typeof value === "string" && choices.includes(value)) return value;
    throw new WidgetOptionError(`${where} must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}; it got ${describeValue(value)}.`);
  };
}

/** [low, high] of numbers (range sliders). */
export function pair(inner: Coerce): Coerce {
  return (value, where) => {
    if (Array.isArray(value) && value.length === 2) return [inner(value[0], where), inner(value[1], where)];
    throw new WidgetOptionError(`${where} must be a pair [low, high]; it got ${describeValue(value)}.`);
  };
}

export function unknownOption(className: string, key: string, known: string[]): WidgetOptionError {
  return new WidgetOptionError(`${className} has no option "${key}"; its options are ${known.join(", ")}.`);
}
