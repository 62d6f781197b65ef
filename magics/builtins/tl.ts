/** Transfer learning in one line each; every magic expands to the tl call it stands for. */
import { FlagDeclaration, MagicArgs, MagicDefinition, PositionalDeclaration, flagKey } from "../declaration";
import { objectLiteral } from "../literals";
import { bindOrValue, statementOnly, valueOrDisplay, valueOrStatement } from "./emit";

const model: PositionalDeclaration = { name: "model", type: "ref", help: "the model (a variable)" };
const data: PositionalDeclaration = { name: "data", type: "ref", help: "the data set (a variable, e.g. data or data.test)" };
const bindAs: FlagDeclaration = { name: "as", type: "name", metavar: "VAR", help: "store the result in a new const VAR" };
const trainingFlags: FlagDeclaration[] = [
  { name: "epochs", type: "int", metavar: "N", help: "passes over the training data" },
  { name: "lr", type: "float", metavar: "X", help: "learning rate" },
  { name: "batch", type: "int", metavar: "B", help: "batch size" },
  { name: "schedule", choices: ["constant", "cosine", "onecycle"], help: "learning-rate schedule" },
  engineFlag(),
];

/** --engine: tfjs here (default) or keras (Keras 3 in a Python process; %engine shows it). */
function engineFlag(what = "the steps"): FlagDeclaration {
  return { name: "engine", choices: ["tfjs", "keras"], help: `what runs ${what}: tfjs here (default) or keras (Keras 3 in Python; %engine)` };
}

/** `{ epochs: 5, lr: 0.001 }` from the flags the user gave, renamed to tl's option names. */
function options(args: MagicArgs, names: Record<string, string>): string | undefined {
  const entries = Object.entries(names)
    .filter(([key]) => args.given.has(key))
    .map(([key, option]): [string, string | undefined] => [option, args.code[key]]);
  return entries.length ? objectLiteral(entries) : undefined;
}

function call(fn: string, ...args: Array<string | undefined>): string {
  return `${fn}(${args.filter((a) => a !== undefined).join(", ")})`;
}

const backbone: MagicDefinition = {
  name: "backbone",
  kind: "line",
  summary: "Load a pretrained backbone (tl.backbone); --as stores it in a typed const.",
  positionals: [{ name: "name", help: "registry name (tl.backbones() lists them), URL of a model.json, or a local folder" }],
  flags: [
    { name: "input", type: "int", metavar: "N", help: "input size: images of N×N×3" },
    { name: "alpha", type: "float", metavar: "A", help: "width multiplier (MobileNets)" },
    { name: "weights", metavar: "W", help: "which weights to load" },
    bindAs,
  ],
  examples: ["%backbone mobilenet_v2 --input 96 --as base"],
  expand(args, context) {
    const inputShape = args.given.has("input") ? `[${args.code.input}, ${args.code.input}, 3]` : undefined;
    const opts = objectLiteral([
      ["inputShape", inputShape],
      ["alpha", args.given.has("alpha") ? args.code.alpha : undefined],
      ["weights", args.given.has("weights") ? args.code.weights : undefined],
    ]);
    const value = `await ${call("tl.backbone", args.code.name, opts === "{  }" ? undefined : opts)}`;
    return bindOrValue(context, "backbone", args.values.as as string | undefined, value);
  },
};

const freeze: MagicDefinition = {
  name: "freeze",
  kind: "line",
  summary: "Freeze a model's layers (all, or up to and including layer L) so training leaves them unchanged.",
  positionals: [model],
  flags: [{ name: "up-to", metavar: "L", help: "last layer (or block) to freeze" }],
  examples: ["%freeze base --up-to block_13"],
  expand(args, context) {
    return valueOrStatement(context, call("tl.freeze", args.code.model, options(args, { upTo: "upTo" })));
  },
};

const unfreeze: MagicDefinition = {
  name: "unfreeze",
  kind: "line",
  summary: "Make a model's layers trainable again (all, or the last N).",
  positionals: [model],
  flags: [{ name: "last", type: "int", metavar: "N", help: "only the last N layers (or blocks)" }],
  expand(args, context) {
    return valueOrStatement(context, call("tl.unfreeze", args.code.model, options(args, { last: "last" })));
  },
};

const summary: MagicDefinition = {
  name: "summary",
  kind: "line",
  summary: "Show a model's layers with the trainable/frozen split.",
  positionals: [model],
  expand(args, context) {
    return valueOrDisplay(context, call("tl.summary", args.code.model));
  },
};

const dataset: MagicDefinition = {
  name: "dataset",
  kind: "line",
  summary: "Load a data set (tl.data.load); --as stores it in a typed const.",
  positionals: [{ name: "name", help: "data set name, e.g. fashion-mnist, mnist" }],
  flags: [
    { name: "per-class", type: "int", metavar: "N", help: "examples per class (few-shot subsets)" },
    { name: "seed", type: "int", metavar: "S", help: "seed for the subset and split" },
    bindAs,
  ],
  examples: ["%dataset fashion-mnist --per-class 100 --seed 1 --as data"],
  expand(args, context) {
    const value = `await ${call("tl.data.load", args.code.name, options(args, { perClass: "perClass", seed: "seed" }))}`;
    return bindOrValue(context, "dataset", args.values.as as string | undefined, value);
  },
};

/**
 * `%name model data [flags] [--as VAR]`: `await fn(model, data, { options })`, the flags renamed to
 * fn's option names (renames: flag key → option), bound to VAR with --as.
 */
function modelDataMagic(
  name: string,
  fn: string,
  summaryText: string,
  flags: FlagDeclaration[],
  renames: Record<string, string>,
  examples?: string[],
): MagicDefinition {
  return {
    name,
    kind: "line",
    summary: summaryText,
    positionals: [model, data],
    flags: [...flags, bindAs],
    examples,
    expand(args, context) {
      const value = `await ${call(fn, args.code.model, args.code.data, options(args, renames))}`;
      return bindOrValue(context, name, args.values.as as string | undefined, value);
    },
  };
}

/** fit and fineTune: the training flags, plus their own extra flags under the same names. */
function trainingMagic(name: string, fn: string, summaryText: string, extra: FlagDeclaration[]): MagicDefinition {
  const renames: Record<string, string> = { epochs: "epochs", lr: "lr", batch: "batchSize", schedule: "schedule", engine: "engine" };
  for (const flag of extra) renames[flagKey(flag.name)] = flagKey(flag.name);
  return modelDataMagic(name, fn, summaryText, [...trainingFlags, ...extra], renames, [`%${name} model data --epochs 5 --lr 1e-3`]);
}

const fit = trainingMagic("fit", "tl.fit", "Train a model with live loss/accuracy curves (tl.fit); returns the history.", [
  { name: "controls", type: "bool", help: "a Stop button and a learning-rate slider (widgets) acting from the next batch" },
]);
const finetune = trainingMagic("finetune", "tl.fineTune", "Train the head with the backbone frozen, then all layers at lower rates (tl.fineTune).", [
  { name: "freeze-epochs", type: "int", metavar: "N", help: "epochs with the backbone frozen first" },
]);

const lrFind = modelDataMagic(
  "lr_find",
  "tl.lrFind",
  "Learning-rate range test, plotted, with a suggested rate (tl.lrFind).",
  [engineFlag("the trial steps")],
  { engine: "engine" },
);

const evaluate = modelDataMagic(
  "evaluate",
  "tl.evaluate",
  "Loss, accuracy, per-class precision/recall and a confusion matrix (tl.evaluate).",
  [engineFlag("the predictions")],
  { engine: "engine" },
);

/** `%predict model digits.test` names a data set variable; `%predict model seven.png` a file (or URL). */
function looksLikeFile(text: string): boolean {
  return /[/\\]/.test(text) || /\.(png|jpe?g|gif|webp|bmp|tiff?)$/i.test(text) || /^https?:/i.test(text);
}

const predict: MagicDefinition = {
  name: "predict",
  kind: "line",
  summary: "Show sample predictions of a data set (tl.showPredictions), or one image file's top classes (tl.predict).",
  positionals: [
    model,
    {
      name: "input",
      help: "a data set variable (data.test), the path or URL of a PNG/JPEG image, one entry ({data.test.entry(0)}), or a text for a text model",
    },
  ],
  flags: [
    { name: "n", type: "int", metavar: "N", default: 16, help: "how many data set examples" },
    { name: "top", type: "int", metavar: "K", help: "how many classes to list for an image (default 3)" },
    bindAs,
  ],
  examples: ["%predict model data.test --n 8", "%predict model ./photos/cat.jpg --top 5"],
  expand(args, context) {
    const input = args.values.input as string;
    const variable = args.values.as as string | undefined;
    const reference = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(input);
    if (reference && !looksLikeFile(input)) {
      return bindOrValue(context, "predict", variable, `await ${call("tl.showPredictions", args.code.model, input, args.code.n)}`);
    }
    // A file, URL, {expression} or text (for a text model exported with its vocabulary).
    const value = `await ${call("tl.predict", args.code.model, args.code.input, options(args, { top: "top" }))}`;
    if (variable === undefined && context.position === "statement") return `display(${value});`;
    return bindOrValue(context, "predict", variable, value);
  },
};

const exportMagic: MagicDefinition = {
  name: "export",
  kind: "line",
  summary: "Export a model with its labels and preprocessing (tl.export): model.json, weights, metadata.json; `npx tsfine demo DIR` makes a page to try it.",
  positionals: [model, { name: "path", help: "folder to write the model and metadata.json into" }],
  flags: [
    { name: "data", type: "ref", metavar: "DATA", help: "the data set it was trained on (its classes become the labels)" },
    { name: "labels", metavar: "A,B,...", help: "class names in output order, comma-separated" },
    { name: "vocabulary", type: "ref", metavar: "VOCAB", help: "a text model's vocabulary (tl.text.vocabulary), so %predict takes texts" },
    { name: "backbone", metavar: "NAME", help: "the backbone's name for metadata.json" },
  ],
  examples: ["%export model ./out/digits --data data"],
  expand(args, context) {
    statementOnly(context, "export", "it writes files");
    const labels = args.given.has("labels") ? `${args.code.labels}.split(",")` : undefined;
    const opts = objectLiteral([
      ["data", args.given.has("data") ? args.code.data : undefined],
      ["labels", labels],
      ["vocabulary", args.given.has("vocabulary") ? args.code.vocabulary : undefined],
      ["backbone", args.given.has("backbone") ? args.code.backbone : undefined],
    ]);
    return `display(await ${call("tl.export", args.code.model, args.code.path, opts === "{  }" ? undefined : opts)});`;
  },
};

const demo: MagicDefinition = {
  name: "demo",
  kind: "line",
  summary: "Show the demo page of an exported model inline, in a frame (tl.demo): pick an image (or type a text) and see its top 3.",
  positionals: [{ name: "model", help: "a model exported with %export or loaded with tl.load (a variable), or the folder tl.export wrote" }],
  flags: [{ name: "height", type: "int", metavar: "PX", help: "the frame's height in pixels (default 560)" }],
  examples: ["%demo model", "%demo ./out/digits --height 700"],
  expand(args, context) {
    const source = args.values.model as string;
    const reference = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(source) && !/[/\\]/.test(source);
    const value = `await ${call("tl.demo", reference ? source : args.code.model, options(args, { height: "height" }))}`;
    return valueOrDisplay(context, value);
  },
};

const save: MagicDefinition = {
  name: "save",
  kind: "line",
  summary: "Save a model to disk in TensorFlow.js layers format (tl.save).",
  positionals: [model, { name: "path", help: "folder to write model.json and weights into" }],
  expand(args, context) {
    statementOnly(context, "save", "it writes files");
    return `await ${call("tl.save", args.code.model, args.code.path)};`;
  },
};

export const tlMagics: MagicDefinition[] = [backbone, freeze, unfreeze, summary, dataset, fit, finetune, lrFind, evaluate, predict, save, exportMagic, demo];
