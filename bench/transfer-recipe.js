/**
 * The transfer recipe bench/train-speed.js times beside Keras (bench/keras_mobilenet_v2.py runs
 * the same in Keras) and bench/transfer-profile.js breaks down: MobileNetV2 at 96² with a
 * 10-class head, random images, 5 epochs with the backbone frozen, then 2 with everything from
 * block_14 on trainable, batch 32, Adam. One place, so the two benches measure the same thing.
 */
const SIZE = 96;
const CLASSES = 10;
const BATCH_SIZE = 32;

/** The two phases, in order; `before` sets which layers train. */
const PHASES = [
  { name: "frozen (5 epochs)", epochs: 5, lr: 1e-3, seed: 1, before: ({ tl, base }) => tl.freeze(base) },
  { name: "unfrozen from block_14 (2 epochs)", epochs: 2, lr: 1e-4, seed: 2, before: ({ tl, model }) => tl.unfreeze(model, { from: "block_14_expand" }) },
];

/** nsfwjs's MobileNetV2 at 96² (tl.backbone) with tl's classifier head, and `count` random labelled images. */
async function recipeSetup(tf, tl, count) {
  const base = await tl.backbone("mobilenet_v2", { inputShape: [SIZE, SIZE, 3] });
  const model = tl.classifier(base, { classes: CLASSES, dropout: 0 });
  const xs = tf.randomUniform([count, SIZE, SIZE, 3], 0, 1, "float32", 2);
  const data = tl.data.fromTensors(
    xs,
    Array.from({ length: count }, (_, i) => i % CLASSES),
    { seed: 1 },
  );
  return { base, model, xs, data };
}

/** tl.fit's options for one phase of the recipe. */
function fitOptions(phase, engine, extra = {}) {
  return { epochs: phase.epochs, batchSize: BATCH_SIZE, lr: phase.lr, seed: phase.seed, verbose: false, engine, ...extra };
}

module.exports = { SIZE, CLASSES, BATCH_SIZE, PHASES, recipeSetup, fitOptions };
