/**
 * A compiled cell ends in a `//# sourceURL=` line naming it in stack traces (a new name per
 * execution). The transpiler writes it; a compile result reused for another execution is renamed,
 * and the runtime recognises a cell run again by its code without it.
 */
const SCRIPT_NAME_LINE = /\/\/# sourceURL=\S*$/;

export function withScriptName(body: string, scriptName: string): string {
  return `${body}//# sourceURL=${scriptName}`;
}

export function withoutScriptName(js: string): string {
  return js.replace(SCRIPT_NAME_LINE, "");
}

export function renamedScript(js: string, scriptName: string): string {
  return withScriptName(withoutScriptName(js), scriptName);
}
