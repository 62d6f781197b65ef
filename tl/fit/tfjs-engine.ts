import * as tf from "@tensorflow/tfjs";
import { values } from "../read-values";
import type { EpochRecord, FitState } from "./callback";
import type { FitEngine, FitLoop } from "./engines";
import { accuracy, meanLoss } from "./measure";
import { checkBatchFitsMemory } from "./memory-check";
import { makeOptimizer, parameterGroups, setLearningRate } from "./optimizers";
import { EpochTally } from "./epoch-tally";

type Groups = ReturnType<typeof parameterGroups>;

/** fit's default engine: the training loop on tf in this thread (any tf backend). */
export const tfjsEngine: FitEngine = {
  async train(loop) {
    const { state, options } = loop;
    const groups = parameterGroups(state.model, options, state.baseLr);
    const optimizers = groups.map((g) => makeOptimizer(options.optimizer ?? "adam", state.baseLr * g.multiplier));
    loop.onEnd(() => optimizers.forEach((o) => o.dispose()));
    checkBatchFitsMemory(
      state,
      groups.flatMap((g) => g.variables),
    );
    for (state.epoch = 0; state.epoch < state.epochs && !state.stop; state.epoch++) {
      const record = await trainEpoch(loop, groups, optimizers);
      if (!record) break;
      loop.endEpoch(record);
    }
  },
};

/** One epoch; its record, or undefined when it was cut short (its numbers would not compare). */
async function trainEpoch(loop: FitLoop, groups: Groups, optimizers: tf.Optimizer[]): Promise<EpochRecord | undefined> {
  const { state } = loop;
  const tally = new EpochTally(loop);
  for (const { xs, ys, positions } of tally.batches()) {
    if (!loop.startBatch()) {
      tf.dispose([xs, ys]);
      break;
    }
    loop.hold(xs);
    loop.hold(ys);
    loop.emit("beforeBatch");
    let step!: StepResult;
    tf.tidy(() => {
      step = lossAndGradients(state, groups, xs, ys, loop.hold);
    });
    const read = values(step.acc ? [step.value, step.acc] : [step.value]);
    const [loss, acc] = read instanceof Promise ? await loop.wait(read) : read;
    state.batchLoss = loss[0];
    state.batchAcc = acc ? acc[0] : NaN;
    loop.emit("afterLoss");
    if (!state.skipStep) tf.tidy(() => applyGradients(state, optimizers, groups, step.grads));
    tf.dispose([step.value, step.acc, ...Object.values(step.grads)]);
    tf.dispose([xs, ys]);
    await tally.finishBatch(positions.length);
  }
  return tally.record();
}

interface StepResult {
  value: tf.Scalar;
  acc?: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/** Forward and backward pass of one batch; the tensors returned are held until the step ends. */
function lossAndGradients(state: FitState, groups: Groups, xs: tf.Tensor, ys: tf.Tensor, hold: <T extends tf.Tensor>(t: T) => T): StepResult {
  state.skipStep = false;
  let acc: tf.Scalar | undefined;
  const variables = groups.flatMap((g) => g.variables);
  const { value, grads } = tf.variableGrads(() => {
    const predictions = state.trainModel.apply(xs, { training: true }) as tf.Tensor;
    if (state.classification) acc = tf.keep(accuracy(ys, predictions));
    return meanLoss(ys, predictions, state.classification);
  }, variables);
  // Kept past tf.tidy and held for the guard: disposed at the end of the step, or by the repair
  // of a step that an interrupt cut.
  for (const t of [value, acc, ...Object.values(grads)]) if (t) hold(tf.keep(t));
  return { value, acc, grads };
}

function applyGradients(state: FitState, optimizers: tf.Optimizer[], groups: Groups, grads: tf.NamedTensorMap): void {
  groups.forEach((g, i) => {
    setLearningRate(optimizers[i], state.lr * g.multiplier);
    const mine: tf.NamedTensorMap = {};
    for (const v of g.variables) mine[v.name] = grads[v.name];
    optimizers[i].applyGradients(mine);
  });
}
