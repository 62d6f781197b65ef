/** node:util for display/ and the kernel's value text: the browser port of Node's util (inspect, format). */
import * as util from "util";

export const inspect = util.inspect;
export const format = util.format;
export default util;
