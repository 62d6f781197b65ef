/**
 * The user's own .ts files before the runtime imports them. A breakpoint set in a file that is not loaded yet
 * (JupyterLab's file editor names it only by the hash of its text) goes on the file's URL at the JavaScript
 * position the require hook's compilation will have, so V8 places it as it parses the file and it holds from
 * the first line the file runs, in the importing cell too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { RawSourceMap } from "source-map-js";
import { userFileCompilerOptions } from "../runtime/typescript-require-hook";
import type { TS } from "../typescript-loader";
import type { CellScript } from "./cell-scripts";

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;
/** How far the search for a file with a given text goes under the notebook's folder. */
const SEARCH_DEPTH = 4;
const SEARCH_ENTRIES = 5000;

/** The .ts file under `root` (node_modules and hidden folders left out) whose text is `text`, as its real path. */
export function findFileWithText(root: string, text: string): string | undefined {
  const size = Buffer.byteLength(text);
  let budget = SEARCH_ENTRIES;
  const search = (folder: string, depth: number): string | undefined => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const entry of entries) {
      if (--budget < 0) return undefined;
      const full = path.join(folder, entry.name);
      if (entry.isFile() && TYPESCRIPT_FILE.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        try {
          if (fs.statSync(full).size === size && fs.readFileSync(full, "utf8") === text) return fs.realpathSync(full);
        } catch {
          // a file that went away or cannot be read is not it
        }
      }
    }
    if (depth >= SEARCH_DEPTH) return undefined;
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const found = search(path.join(folder, entry.name), depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return search(root, 0);
}

/** A user's file as the runtime will run it: compiled as the require hook compiles it, named by the URL V8 gives it. */
export function compileUserFile(ts: TS, filePath: string, text: string): CellScript | undefined {
  const output = ts.transpileModule(text, { fileName: filePath, compilerOptions: userFileCompilerOptions(ts) });
  const inline = /\/\/# sourceMappingURL=data:[^,]*,(\S+)\s*$/.exec(output.outputText);
  if (!inline) return undefined;
  const map = JSON.parse(Buffer.from(inline[1], "base64").toString("utf8")) as RawSourceMap;
  return { scriptName: pathToFileURL(filePath).href, cellText: text, code: text, map };
}

export function isTypeScriptFile(filePath: string): boolean {
  return path.isAbsolute(filePath) && TYPESCRIPT_FILE.test(filePath) && !filePath.endsWith(".d.ts");
}
