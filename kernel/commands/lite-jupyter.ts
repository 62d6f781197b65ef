/**
 * The `jupyter` that `tsfine lite build` runs: $JUPYTER, the repository's .venv, tsfine's own
 * JupyterLite environment in its cache folder, or `jupyter` on PATH, whichever has JupyterLite; when
 * none has, tsfine makes its own environment with the person's python3 and pip (about 100 MB, once):
 * JupyterLite's app ships inside the jupyterlite-core wheel, and the widget front ends inside
 * jupyterlab_widgets' and anywidget's.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tsfineCache } from "../../tl/engine/keras/paths";
import { basePython, checkBasePython, clearAbandoned, environmentPython, makeEnvironment } from "../../tl/python-environment";
import { packageRoot } from "../package-root";

// The contents extra brings jupyter_server, which indexes the notebooks into the site.
export const JUPYTERLITE_CORE = "jupyterlite-core[contents]==0.8.6";
/** The widget front ends' packages: only their labextension folders are used, so anywidget comes without its Python dependencies. */
const WIDGET_PACKAGES = ["jupyterlab_widgets==3.0.16"];
const WIDGET_PACKAGES_WITHOUT_DEPENDENCIES = ["anywidget==0.11.0"];
const ENVIRONMENT = "jupyterlite";
const MARKER = "tsfine-jupyterlite.json";

/** tsfine's own JupyterLite environment (made by liteJupyter when no other is found). */
export function liteEnvironmentDir(): string {
  return path.join(tsfineCache(), ENVIRONMENT);
}

/** How to run `jupyter …` and `jupyter lite …`, each a command and its first arguments. */
export interface LiteJupyter {
  jupyter: string[];
  lite: string[];
  /** The folder of its executables, put first on PATH while it runs. */
  bin: string;
}

function fromExecutable(jupyter: string): LiteJupyter {
  return { jupyter: [jupyter], lite: [jupyter, "lite"], bin: path.dirname(jupyter) };
}

/**
 * tsfine's own environment runs through its python's modules: the environment was made under another
 * name and renamed into place, and pip's launcher scripts keep the old name in their first line.
 */
function fromEnvironment(dir: string): LiteJupyter {
  const python = environmentPython(dir);
  return { jupyter: [python, "-m", "jupyter"], lite: [python, "-m", "jupyterlite_core"], bin: path.dirname(python) };
}

/** The JupyterLite version a `jupyter` runs, or undefined when it has none. */
function liteVersion(tool: LiteJupyter): string | undefined {
  const probe = spawnSync(tool.lite[0], [...tool.lite.slice(1), "--version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** A `jupyter` that has JupyterLite, without installing anything; undefined when there is none. */
export function findLiteJupyter(): LiteJupyter | undefined {
  const executables = [process.env.JUPYTER, path.join(packageRoot(), ".venv", "bin", "jupyter")].filter(
    (c): c is string => Boolean(c) && fs.existsSync(c as string),
  );
  const own = fs.existsSync(path.join(liteEnvironmentDir(), MARKER)) ? [fromEnvironment(liteEnvironmentDir())] : [];
  for (const candidate of [...executables.map(fromExecutable), ...own, fromExecutable("jupyter")]) {
    if (liteVersion(candidate)) return candidate;
  }
  return undefined;
}

/** A `jupyter` with JupyterLite: one that is there, else tsfine's own environment, made now. */
export async function liteJupyter(log: (line: string) => void): Promise<LiteJupyter> {
  return findLiteJupyter() ?? installLiteEnvironment(log);
}

/** tsfine's own JupyterLite environment (`tsfine lite install`): made now unless it is there. */
export async function installLiteEnvironment(log: (line: string) => void): Promise<LiteJupyter> {
  const dir = liteEnvironmentDir();
  const own = fromEnvironment(dir);
  if (fs.existsSync(path.join(dir, MARKER)) && liteVersion(own)) {
    log(`JupyterLite ${liteVersion(own)} is already installed in ${dir}.`);
    return own;
  }
  const python = basePython();
  checkBasePython(python, 10, "JupyterLite 0.8");
  const cache = tsfineCache();
  clearAbandoned(cache, new RegExp(`^\\.${ENVIRONMENT}\\.(?:partial|old)-(\\d+)$`));
  const packages = [JUPYTERLITE_CORE, ...WIDGET_PACKAGES, ...WIDGET_PACKAGES_WITHOUT_DEPENDENCIES];
  log(`Installing JupyterLite (${packages.join(", ")}) with pip into ${dir}: once, about 100 MB.`);
  const version = await makeEnvironment({
    cache,
    name: ENVIRONMENT,
    python,
    pipInstalls: [
      [JUPYTERLITE_CORE, ...WIDGET_PACKAGES],
      ["--no-deps", ...WIDGET_PACKAGES_WITHOUT_DEPENDENCIES],
    ],
    what: packages.join(" "),
    check: (made) => {
      const found = liteVersion(fromEnvironment(path.dirname(path.dirname(made))));
      if (!found) throw new Error(`The new environment in ${dir} cannot run JupyterLite; see pip's output above.`);
      return found;
    },
    marker: (liteVersionFound) => ({ file: MARKER, content: `${JSON.stringify({ packages, jupyterlite: liteVersionFound }, null, 2)}\n` }),
  });
  log(`Installed JupyterLite ${version} in ${dir}.`);
  return own;
}
