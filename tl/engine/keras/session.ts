/**
 * One model in the keras engine: built there from the tfjs model's topology and weights, then
 * stepped batch by batch (Keras's compiled train step), with the weights brought back on demand.
 * The tfjs model keeps its weights until `pullWeights`. The engine's process holds one model at a
 * time, so sessions open one after another: a session still opening (a fit interrupted while
 * its engine started) finishes before the next one begins, or stops at its next request when
 * its `signal` aborts.
 */
import * as tf from "@tensorflow/tfjs";
import { readNpy, writeNpy } from "./npy";
import { readWeights, topology, weightManifest, writeWeights } from "./convert";
import { kerasProcess, type KerasProcess } from "./process";

export interface EngineInfo {
  framework: string;
  frameworkVersion: string;
  keras: string;
  devices: string[];
}

export interface KerasSessionOptions {
  classification: boolean;
  optimizer: string;
  lr: number;
  /** Layer name → multiplier on the learning rate (discriminative rates); 1 when left out. */
  multipliers?: Record<string, number>;
}

export interface KerasOpenOptions {
  /** "all": data parallel over every device the framework sees (keras.distribution, JAX). */
  devices?: "all";
  /** Run the compiled train step once and put everything back, so the first batch finds it compiled (needs `options`). */
  warmUp?: boolean;
  /** Aborted: the opening stops before its next request (its promise rejects with the abort reason). */
  signal?: AbortSignal;
}

/** What ran a fit, for history.engine: "keras 3.15.1 on tensorflow 2.21.0 (CPU:0)". */
export function engineLabel(info: EngineInfo): string {
  return `keras ${info.keras} on ${info.framework} ${info.frameworkVersion} (${info.devices.join(", ")})`;
}

async function batchFile(engine: KerasProcess, name: string, t: tf.Tensor): Promise<string> {
  const file = engine.file(name);
  const values = (await t.data()) as Float32Array;
  writeNpy(file, values instanceof Float32Array ? values : Float32Array.from(values), t.shape);
  return file;
}

/** The latest opening; the next one starts after it settles. */
let opening: Promise<unknown> = Promise.resolve();

export class KerasModelSession {
  private constructor(
    readonly engine: KerasProcess,
    readonly model: tf.LayersModel,
    readonly info: EngineInfo,
  ) {}

  /** Converts `model` into the engine (one sentence naming a layer that cannot go) and compiles it. */
  static open(model: tf.LayersModel, options?: KerasSessionOptions, placement: KerasOpenOptions = {}): Promise<KerasModelSession> {
    const session = opening.then(() => KerasModelSession.build(model, options, placement));
    opening = session.catch(() => undefined);
    return session;
  }

  private static async build(model: tf.LayersModel, options: KerasSessionOptions | undefined, placement: KerasOpenOptions): Promise<KerasModelSession> {
    const { signal } = placement;
    signal?.throwIfAborted();
    const engine = kerasProcess();
    const info = (await engine.request("hello")) as unknown as EngineInfo;
    signal?.throwIfAborted();
    const weights = engine.file("weights-in.npy");
    writeWeights(model, weights);
    const built = await engine.request("build", { topology: topology(model), manifest: weightManifest(model), weights, devices: placement.devices });
    // The devices this model trains on (the label names these, not every device the framework sees).
    info.devices = built.devicesUsed as string[];
    signal?.throwIfAborted();
    if (options) await engine.request("compile", { ...options });
    signal?.throwIfAborted();
    if (options && placement.warmUp) await engine.request("warm_up");
    return new KerasModelSession(engine, model, info);
  }

  /** One training step on the batch at learning rate `lr`; the batch's loss (and accuracy) before the update. */
  async step(xs: tf.Tensor, ys: tf.Tensor, lr: number): Promise<{ loss: number; acc?: number }> {
    const [x, y] = [await batchFile(this.engine, "x.npy", xs), await batchFile(this.engine, "y.npy", ys)];
    const reply = await this.engine.request("step", { x, y, lr });
    return { loss: reply.loss as number, acc: reply.acc as number | undefined };
  }

  /** The loss and the gradient of every trainable weight (tfjs's trainableWeights order) for one batch, state kept. */
  async gradients(xs: tf.Tensor, ys: tf.Tensor): Promise<{ loss: number; grads: Float32Array }> {
    const [x, y] = [await batchFile(this.engine, "x.npy", xs), await batchFile(this.engine, "y.npy", ys)];
    const path = this.engine.file("grads.npy");
    const reply = await this.engine.request("grads", { x, y, path });
    return { loss: reply.loss as number, grads: readNpy(path).values };
  }

  /** The model's output in inference mode. */
  async predict(xs: tf.Tensor): Promise<tf.Tensor> {
    const x = await batchFile(this.engine, "x.npy", xs);
    const path = this.engine.file("predictions.npy");
    await this.engine.request("predict", { x, path });
    const { values, shape } = readNpy(path);
    return tf.tensor(values, shape);
  }

  /** Copies the engine's weights into the tfjs model. */
  async pullWeights(): Promise<void> {
    const path = this.engine.file("weights-out.npy");
    await this.engine.request("get_weights", { path });
    readWeights(this.model, path);
  }
}
