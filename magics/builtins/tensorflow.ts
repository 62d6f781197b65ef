/** TensorFlow.js settings: %seed, %backend, %engine, %memory; %versions (what the notebook runs on). */
import { MagicDefinition } from "../declaration";
import { statementOnly, valueOrDisplay, valueOrStatement } from "./emit";

const seed: MagicDefinition = {
  name: "seed",
  kind: "line",
  summary: "Seed every random source tl uses (initializers, shuffling, augmentation, dropout).",
  positionals: [{ name: "seed", type: "int", help: "the seed" }],
  examples: ["%seed 42"],
  expand(args, context) {
    statementOnly(context, "seed", "it changes the random state");
    return `tl.seed(${args.code.seed});`;
  },
};

const backend: MagicDefinition = {
  name: "backend",
  kind: "line",
  summary: "Show which TensorFlow.js backend runs and why (with a NAME: switch to it).",
  positionals: [{ name: "name", optional: true, help: "backend to switch to, e.g. wasm, cpu, tensorflow, webgpu" }],
  examples: ["%backend", "%backend cpu"],
  expand(args, context) {
    if (args.given.has("name")) return valueOrStatement(context, `await tl.backend.use(${args.code.name})`);
    return valueOrDisplay(context, "await tl.backend.describe()");
  },
};

const engine: MagicDefinition = {
  name: "engine",
  kind: "line",
  summary: "Show which engines can run tl.fit's steps (tfjs here, keras in Python), on which framework and devices, and why.",
  examples: ["%engine"],
  expand(_args, context) {
    return valueOrDisplay(context, "await tl.engine.describe()");
  },
};

const versions: MagicDefinition = {
  name: "versions",
  kind: "line",
  summary:
    "Show what this notebook runs on: tsfine, TypeScript, tfjs, the backend, Node and the platform (tsfine run stores the same in the notebook's metadata).",
  examples: ["%versions", "const ran = %versions"],
  expand(_args, context) {
    return valueOrDisplay(context, "__magics.versions(tf)");
  },
};

const memory: MagicDefinition = {
  name: "memory",
  kind: "line",
  summary: "TensorFlow.js memory: tensors, bytes, data buffers, as a table.",
  expand(_args, context) {
    return context.position === "expression" ? "tf.memory()" : "display(__magics.memoryTable(tf.memory()));";
  },
};

export const tensorflowMagics: MagicDefinition[] = [seed, backend, engine, memory, versions];
