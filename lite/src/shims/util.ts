/** node:util for display/ and the kernel's value text: the browser port of Node's util (inspect, format). */
import * as util from "util";

export const inspect = util.inspect;
export const format = util.format;
export const promisify = util.promisify;
export const inherits = util.inherits;
export const deprecate = util.deprecate;
export const types = util.types;
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
