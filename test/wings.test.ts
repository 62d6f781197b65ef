/**
 * The wings import each other for real (kernel → magics → tl → display), typed by the modules
 * themselves, so renaming an export one wing uses in another fails `tsc`. Each case runs the
 * TypeScript compiler over the project (tsconfig.json) with one export renamed in memory, and
 * expects an error in the importing file; the project as it is must have none there. If a wing
 * went back to untyped loading (a require from dist/ cast to a hand-written shape with optional
 * members), the rename would compile and its case here would fail.
 *
 * And a wing that cannot load says so: the kernel never treats a missing magics/ as "no magics".
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";

const root = path.resolve(__dirname, "..");

interface Rename {
  /** The module that exports the name, and the text in it that renames the export. */
  exporter: string;
  from: string;
  to: string;
  /** The file in another wing that uses the name, and the name it uses. */
  importer: string;
  name: string;
}

const renames: Rename[] = [
  // kernel → magics: the evaluator's expansion of %magics
  {
    exporter: "magics/index.ts",
    from: "export { expandCell,",
    to: "export { expandCell as expandCells,",
    importer: "kernel/evaluator/magics-bridge.ts",
    name: "expandCell",
  },
  // kernel → magics: what the runtime worker calls on interrupt
  {
    exporter: "magics/runtime.ts",
    from: "  killChildren,\n",
    to: "  killAllChildren: killChildren,\n",
    importer: "kernel/evaluator/runtime/runtime-worker.ts",
    name: "killChildren",
  },
  // kernel → tl: the repair of a cut training step, through tl's entry point for the kernel
  {
    exporter: "tl/kernel-seams.ts",
    from: "export { recoverInterruptedFit }",
    to: "export { recoverInterruptedFit as repairInterruptedFit }",
    importer: "kernel/evaluator/runtime/preloaded-globals.ts",
    name: "recoverInterruptedFit",
  },
  // kernel → tl: the main thread reads fit's shared signal
  {
    exporter: "tl/fit/stop-request.ts",
    from: "export function readStopSignal(",
    to: "export function readFitSignal(",
    importer: "kernel/evaluator/runtime-client.ts",
    name: "readStopSignal",
  },
  // kernel → display: outputs flushed before a cell's reply (the runtime loads display's sink module alone, runtime/display-parts.ts)
  {
    exporter: "display/sink.ts",
    from: "export function flushPendingDisplays(",
    to: "export function flushDisplays(",
    importer: "kernel/evaluator/runtime/runtime-worker.ts",
    name: "flushPendingDisplays",
  },
  // tl → display
  { exporter: "display/index.ts", from: "export { plot, Figure,", to: "export { plot as plots, Figure,", importer: "tl/show.ts", name: "plot" },
];

function projectConfig(): ts.ParsedCommandLine {
  const file = path.join(root, "tsconfig.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(
    file,
    { noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!parsed) throw new Error("tsconfig.json could not be read");
  return parsed;
}

const config = projectConfig();
let baseline: ts.Program;

/** A program over the project in which `edit` replaces one file's text; the rest is read from disk (and reused from `old`). */
function program(edit?: { file: string; text: string }, old?: ts.Program): ts.Program {
  const host = ts.createCompilerHost(config.options, true);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const edited = edit && path.resolve(root, edit.file);
  host.readFile = (name) => (edited && path.resolve(name) === edited ? edit!.text : readFile(name));
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    edited && path.resolve(name) === edited
      ? ts.createSourceFile(name, edit!.text, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  return ts.createProgram({ rootNames: config.fileNames, options: config.options, host, oldProgram: old });
}

function errorsIn(p: ts.Program, file: string): string[] {
  const source = p.getSourceFile(path.join(root, file));
  if (!source) throw new Error(`${file} is not part of the project`);
  return p.getSemanticDiagnostics(source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("tsc catches a rename across wings", () => {
  beforeAll(() => {
    baseline = program();
  });

  test.each(renames.map((r) => [`${r.exporter} → ${r.importer}`, r] as const))(
    "%s",
    (_name, rename) => {
      expect(errorsIn(baseline, rename.importer)).toEqual([]);
      const text = ts.sys.readFile(path.join(root, rename.exporter))!;
      // the exporter still reads as this case expects (else update the case, not the assertion)
      expect(text).toContain(rename.from);
      const renamed = program({ file: rename.exporter, text: text.replace(rename.from, rename.to) }, baseline);
      const errors = errorsIn(renamed, rename.importer);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.join("\n")).toContain(`'${rename.name}'`);
    },
    240_000,
  );
});

describe("a wing that cannot load", () => {
  test("with an evaluator that fails to load, `tsfine kernel` says why and exits (the runtime worker it started early does not keep it running)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-no-evaluator-"));
    try {
      for (const entry of ["bin", "dist", "package.json"]) fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
      fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
      fs.writeFileSync(path.join(dir, "dist", "kernel", "evaluator", "index.js"), 'throw new Error("this evaluator cannot load");\n');
      const { createConnectionInfo } = require(path.join(root, "dist", "kernel", "connection.js")) as typeof import("../kernel/connection");
      const connectionFile = path.join(dir, "kernel.json");
      fs.writeFileSync(connectionFile, JSON.stringify(await createConnectionInfo(path.join(dir, "kernel"), "ipc")));
      const child = spawn(process.execPath, [path.join(dir, "bin", "tsfine.js"), "kernel", "--connection-file", connectionFile], { cwd: dir });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
      const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
      const deadline = new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 30_000).unref());
      const outcome = await Promise.race([exit, deadline]);
      if (outcome === "still running") child.kill("SIGKILL");
      expect(outcome).toBe(1);
      expect(stderr).toContain("this evaluator cannot load");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("without magics/ beside it, a cell with %fit is an error that says so, not TypeScript that passes through", async () => {
    // the built bridge alone, where the kernel would be, with no magics/ next to it
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-no-magics-"));
    try {
      const bridgeFile = path.join(dir, "dist", "kernel", "evaluator", "magics-bridge.js");
      fs.mkdirSync(path.dirname(bridgeFile), { recursive: true });
      fs.copyFileSync(path.join(root, "dist", "kernel", "evaluator", "magics-bridge.js"), bridgeFile);
      const bridge = require(bridgeFile) as typeof import("../kernel/evaluator/magics-bridge");
      const host = { history: () => [], cwd: () => dir, expandUserMagic: async () => "", userMagicNames: () => [] };
      const outcome = await bridge.expandMagics("%fit model data --epochs 2", host);
      expect(outcome).toEqual({
        ok: false,
        message: expect.stringMatching(
          /^tsfine's magics could not be loaded \(Cannot find module '\.\.\/\.\.\/magics'.*\); rebuild tsfine \(npm run build\) or reinstall it\.$/s,
        ),
      });
      // a cell without a % never needs magics/
      expect(await bridge.expandMagics("const epochs = 2", host)).toEqual({ ok: true, code: "const epochs = 2" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
