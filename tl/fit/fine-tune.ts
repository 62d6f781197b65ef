import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset";
import { freeze, unfreeze } from "../freeze";
import type { History } from "./callback";
import { fit, type FitOptions } from "./fit";

export interface FineTuneOptions extends Omit<FitOptions, "epochs" | "lrMult" | "layerLrs"> {
  /** Epochs training only the head, backbone frozen (default 1). */
  freezeEpochs?: number;
  /** Epochs training everything afterwards (default 3). */
  epochs?: number;
  /** Ratio between the top and the bottom layers' rates in the second phase (default 100). */
  lrMult?: number;
}

/** The head: layers tl.classifier/regressor added (head_*), else the last layer with weights. */
function firstHeadLayer(model: tf.LayersModel): string {
  const head = model.layers.find((l) => l.name.startsWith("head_"));
  if (head) return head.name;
  const withWeights = model.layers.filter((l) => l.weights.length > 0);
  return withWeights[withWeights.length - 1].name;
}

/**
 * fastai's fine_tune: train the head with the backbone frozen (one-cycle), then unfreeze
 * everything and train with half the rate and lower rates for lower layers.
 * Returns both phases' epochs in one history.
 */
export async function fineTune(model: tf.LayersModel, data: Dataset, options: FineTuneOptions = {}): Promise<History> {
  const { freezeEpochs = 1, epochs = 3, lr = 2e-3, lrMult = 100, ...rest } = options;
  freeze(model);
  unfreeze(model, { from: firstHeadLayer(model) });
  const first = await fit(model, data, { ...rest, epochs: freezeEpochs, lr, schedule: rest.schedule ?? "onecycle" });
  if (first.stopped === "interrupted") return first;
  unfreeze(model);
  const second = await fit(model, data, {
    ...rest,
    epochs,
    lr: lr / 2,
    lrMult,
    schedule: rest.schedule ?? "onecycle",
    seed: rest.seed === undefined ? undefined : rest.seed + 1,
  });
  const offset = first.epochs.length;
  return {
    epochs: [...first.epochs, ...second.epochs.map((e) => ({ ...e, epoch: e.epoch + offset }))],
    batchLoss: [...first.batchLoss, ...second.batchLoss],
    stopped: second.stopped,
    restoredEpoch: second.restoredEpoch === undefined ? undefined : second.restoredEpoch + offset,
    engine: second.engine,
  };
}
