/**
 * Keeping two widgets' values equal: link() in the kernel (observers on both sides, so callbacks
 * see every change), jslink() in the front end (a LinkModel, no kernel round trip; works in saved
 * HTML too).
 */
import { withoutCellOutput } from "./callback-binding";
import { defineWidget } from "./define";
import { describeValue, WidgetOptionError } from "./options";
import { WidgetModel } from "./widget-model";

export type Endpoint = readonly [WidgetModel, string];

function checkEndpoint(endpoint: unknown, which: string, fn: string): Endpoint {
  if (Array.isArray(endpoint) && endpoint.length === 2 && endpoint[0] instanceof WidgetModel && typeof endpoint[1] === "string") {
    const [widget, key] = endpoint as [WidgetModel, string];
    if (!(key in widget)) throw new WidgetOptionError(`widgets.${fn}: ${widget.className} has no state "${key}" to link (${which}).`);
    return [widget, key];
  }
  throw new WidgetOptionError(`widgets.${fn} takes [widget, "name"] pairs; the ${which} was ${describeValue(endpoint)}.`);
}

export interface Link {
  unlink(): void;
}

/** Keeps source[1] of source[0] and target[1] of target[0] equal, both ways, in the kernel. */
export function link(source: Endpoint, target: Endpoint): Link {
  const [a, keyA] = checkEndpoint(source, "source", "link");
  const [b, keyB] = checkEndpoint(target, "target", "link");
  const read = (w: WidgetModel, key: string) => (w as unknown as Record<string, unknown>)[key];
  const write = (w: WidgetModel, key: string, value: unknown) => {
    if (read(w, key) !== value) (w as unknown as Record<string, unknown>)[key] = value;
  };
  write(b, keyB, read(a, keyA));
  // the link prints nothing: the cell gets no output area for it
  const offA = withoutCellOutput(() => a.observe((change) => write(b, keyB, change.new), keyA));
  const offB = withoutCellOutput(() => b.observe((change) => write(a, keyA, change.new), keyB));
  return {
    unlink() {
      offA();
      offB();
    },
  };
}

/** Keeps target equal to source (one way), in the kernel. */
export function dlink(source: Endpoint, target: Endpoint, transform: (value: unknown) => unknown = (value) => value): Link {
  const [a, keyA] = checkEndpoint(source, "source", "dlink");
  const [b, keyB] = checkEndpoint(target, "target", "dlink");
  (b as unknown as Record<string, unknown>)[keyB] = transform((a as unknown as Record<string, unknown>)[keyA]);
  const off = withoutCellOutput(() => a.observe((change) => ((b as unknown as Record<string, unknown>)[keyB] = transform(change.new)), keyA));
  return { unlink: off };
}

interface LinkState {
  source: Endpoint | null;
  target: Endpoint | null;
}
const LinkModel = defineWidget<LinkState>({ className: "Link", model: "LinkModel", view: null, defaults: () => ({ source: null, target: null }) });
const DirectionalLinkModel = defineWidget<LinkState>({
  className: "DirectionalLink",
  model: "DirectionalLinkModel",
  view: null,
  defaults: () => ({ source: null, target: null }),
});

/** Links two widgets' values in the front end (both ways); unlink() closes the link. */
export function jslink(source: Endpoint, target: Endpoint): Link {
  const model = new LinkModel({ source: checkEndpoint(source, "source", "jslink"), target: checkEndpoint(target, "target", "jslink") });
  return { unlink: () => model.close() };
}

/** Links two widgets' values in the front end, source → target. */
export function jsdlink(source: Endpoint, target: Endpoint): Link {
  const model = new DirectionalLinkModel({ source: checkEndpoint(source, "source", "jsdlink"), target: checkEndpoint(target, "target", "jsdlink") });
  return { unlink: () => model.close() };
}
