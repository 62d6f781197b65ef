/**
 * A compiled cell ends in a `//# sourceURL=` line naming it in stack traces: a new name per
 * compilation, which a cell run again unchanged keeps (its compile result is reused as it is). The
 * transpiler writes it; the runtime recognises a cell run again by its code without it.
 */
const SCRIPT_NAME_LINE = /\/\/# sourceURL=\S*$/;

export function withScriptName(body: string, scriptName: string): string {
  return `${body}//# sourceURL=${scriptName}`;
}

export function withoutScriptName(js: string): string {
  return js.replace(SCRIPT_NAME_LINE, "");
}
