import * as fs from "node:fs";
import * as path from "node:path";
import { tsfineRoot } from "./tsfine-root";

/** A declaration file that exists only in the language service, named relative to tsfine's folder. */
export interface VirtualDeclaration {
  name: string;
  text: string;
}

/**
 * The .d.ts files that give cells the preloaded globals' types: tf, tl, display, plot, widgets and tsfine.
 * tf and tl are UMD namespaces (`export as namespace`), so `tf.Tensor` works as a type as well as
 * a value. Modules that are not built yet (tl/, display/) are typed `any` rather than failing.
 */
export function globalsDeclarations(): VirtualDeclaration[] {
  const root = tsfineRoot();
  const tfjs = packageDir("@tensorflow/tfjs", root);
  const tl = builtDeclaration(root, "tl");
  const namespaces = { tf: tfjs, tl };
  const umd = Object.entries(namespaces).flatMap(([name, module]) =>
    module
      ? [
          {
            name: `__tsfine_${name}__.d.ts`,
            text: `export * from ${JSON.stringify(module)};\nexport as namespace ${name};\n${name === "tf" ? tensorVariance(module) : ""}`,
          },
        ]
      : [],
  );
  const untyped = Object.entries(namespaces).flatMap(([name, module]) => (module ? [] : [`declare const ${name}: any;`]));
  // widgets is a namespace too (`let s: widgets.IntSlider`); it is small, so the lean program keeps it
  const widgets = builtDeclaration(root, "display", "widgets/index");
  const widgetsFile = widgets ? [{ name: "__tsfine_widgets__.d.ts", text: `export * from ${JSON.stringify(widgets)};\nexport as namespace widgets;\n` }] : [];
  if (!widgets) untyped.push("declare const widgets: any;");
  return [...umd, ...widgetsFile, { name: "__tsfine_globals__.d.ts", text: globalsText(untyped) }];
}

/** The files that declare the tf and tl namespaces (named as globalsDeclarations names them, relative to tsfine's folder). */
export function isTfNamespaceFile(file: string): boolean {
  return /__tsfine_(tf|tl)__\.d\.ts$/.test(file);
}

let tfDeclarationWords: RegExp | null | undefined;

/**
 * Whether a program's text may see anything that the tf and tl namespaces bring: their names, anything
 * imported (an import may reach files that use them), or a global that the one global declaration file in
 * tfjs's types declares or extends (@webgpu/types: GPU*, Navigator, HTMLCanvasElement, …;
 * test/evaluator.test.ts checks it is the only one). A text that sees none of these checks the same
 * without those declarations, except that a global extended by @webgpu/types (a `gpu` member on
 * Navigator) can be used through a name; so every name it declares counts, also lower-cased (`navigator`).
 * When @webgpu/types is not where tfjs would find it, every text counts.
 */
export function needsTfDeclarations(text: string): boolean {
  if (tfDeclarationWords === undefined) tfDeclarationWords = tfDeclarationPattern();
  return tfDeclarationWords === null || tfDeclarationWords.test(text);
}

/** The global declaration file that tfjs's types bring into every program (through tfjs-backend-webgpu). */
export function webgpuTypesFile(): string | undefined {
  const root = tsfineRoot();
  const webgpuBackend = packageDir("@tensorflow/tfjs-backend-webgpu", packageDir("@tensorflow/tfjs", root) ?? root);
  const types = packageDir("@webgpu/types", webgpuBackend ?? root);
  const file = types && path.join(types, "dist", "index.d.ts");
  return file && fs.existsSync(file) ? file : undefined;
}

function tfDeclarationPattern(): RegExp | null {
  const file = webgpuTypesFile();
  if (!file) return null;
  const words = new Set(["tf", "tl", "import", "require", "reference"]);
  for (const match of fs
    .readFileSync(file, "utf8")
    .matchAll(/^(?:declare\s+)?(?:interface|var|let|const|function|class|type|enum|namespace|module)\s+([A-Za-z_$][\w$]*)/gm)) {
    words.add(match[1]);
    words.add(match[1][0].toLowerCase() + match[1].slice(1));
  }
  return new RegExp(`(?<![\\w$])(?:${[...words].map((word) => word.replace(/\$/g, "\\$")).join("|")})(?![\\w$])`);
}

function globalsText(untyped: string[]): string {
  const root = tsfineRoot();
  const display = builtDeclaration(root, "display");
  const magics = builtDeclaration(root, "magics", "runtime");
  const magicSpec = magics
    ? `Parameters<typeof import(${JSON.stringify(magics)}).magicsRuntime.registerMagic>[0]`
    : "{ name: string; help?: string; expand(args: { text: string }, body?: string): string | Promise<string> }";
  return [
    ...untyped,
    `declare const display: ${display ? `typeof import(${JSON.stringify(display)}).display` : "any"};`,
    `declare const plot: ${display ? `typeof import(${JSON.stringify(display)}).plot` : "any"};`,
    `declare const __magics: ${magics ? `typeof import(${JSON.stringify(magics)}).magicsRuntime` : "any"};`,
    `/** The kernel's runtime: typecheck mode, user magics, input from the user. */`,
    `declare const tsfine: {`,
    `  readonly version: string;`,
    `  /** "on": type errors stop a cell; "warn": they are printed and the cell runs; "off": no checking. */`,
    `  setTypecheck(mode: "on" | "warn" | "off"): void;`,
    `  /** Adds a line magic: \`%name args\` expands to the TypeScript source \`expand(args)\` returns. */`,
    `  registerMagic(spec: ${magicSpec}): void;`,
    `  /** Asks the user for one line of text in the front end. */`,
    `  input(prompt?: string, options?: { password?: boolean }): Promise<string>;`,
    `  /** Names the cells have defined so far. */`,
    `  globalNames(): string[];`,
    `};`,
    "",
  ].join("\n");
}

/**
 * Tells TypeScript that tf.Tensor<R> is covariant in R. The checker works that out by itself, by
 * comparing Tensor<A> with Tensor<B> member by member, several hundred chained-op methods: 200–300 ms
 * on every new program, i.e. for every changed cell that relates two tensor types (most tf cells).
 * With the annotation it takes the answer as given. The answer is the same (test/evaluator.test.ts
 * checks that, against a checker that computes it); the tfjs-core version this was measured with has
 * `out` nowhere, so a tfjs without dist/tensor.d.ts gets no annotation.
 */
function tensorVariance(tfjsDir: string): string {
  const core = packageDir("@tensorflow/tfjs-core", tfjsDir);
  if (!core || !fs.existsSync(path.join(core, "dist", "tensor.d.ts")) || !fs.existsSync(path.join(core, "dist", "types.d.ts"))) return "";
  const module = (file: string) => JSON.stringify(path.join(core, "dist", file));
  return `import type { Rank as __TsfineRank } from ${module("types")};\ndeclare module ${module("tensor")} {\n  interface Tensor<out R extends __TsfineRank = __TsfineRank> {}\n}\n`;
}

function packageDir(name: string, root: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: [root] }));
  } catch {
    return undefined;
  }
}

function builtDeclaration(root: string, folder: string, module = "index"): string | undefined {
  const file = path.join(root, "dist", folder, `${module}.d.ts`);
  return fs.existsSync(file) ? path.join(root, "dist", folder, module) : undefined;
}
