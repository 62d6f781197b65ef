/**
 * tfjs's Adam (tf.train.adam: what tl.fit and `model.compile({ optimizer: "adam" })` use) on the
 * native backend as TensorFlow's `ResourceApplyAdam`: one op updates a variable and its two
 * moments, where tfjs's AdamOptimizer runs 14 ops per variable (Mul, Add, Square, RealDiv, Sqrt,
 * each a full pass). Measured on the MobileNet-like step (47 variables, TensorFlow 2.21):
 * applyGradients 662 ops and ~25 CPU ms → 193 ops and ~9 CPU ms.
 *
 * TensorFlow's Adam kernels update state in place, so they take variables, not values.
 * `ApplyAdam` needs reference-typed inputs, which eager TensorFlow (what the binding runs) does
 * not keep (VariableV2's output arrives as a plain float tensor, and Assign refuses it);
 * `ResourceApplyAdam` takes resource handles, and the binding holds those: each
 * variable and its moments get an anonymous resource variable (`VarHandleOp`, freed with its
 * handle). tfjs's own variables (the weight, the optimizer's m and v) stay the state every other
 * part reads (getWeights, setWeights, save, another backend): after each update they take the
 * resources' values (`ReadVariableOp`, which shares TensorFlow's buffer), and a resource is
 * written from tfjs (`AssignVariableOp`) only when its tfjs variable holds a tensor the update did
 * not write, e.g. after setWeights. That costs two reads a variable more than keeping m and v in
 * TensorFlow alone (~4 CPU ms a step here) and keeps tfjs's state right at every moment.
 * Another way, one tfjs-style update over all variables concatenated, needs a concat, a split
 * and a reshape per variable, and still 13 full passes.
 *
 * The update is tfjs's, not TensorFlow's textbook one: tfjs divides by √v̂ + ε with v̂ the
 * bias-corrected moment, TensorFlow by √v + ε̂. The two agree when ε̂ = ε·√(1 − β₂ᵗ), which is
 * what is passed; β₁ᵗ and β₂ᵗ are tfjs's own accumulators. The moments' rates differ too: tfjs
 * multiplies the gradient by 1 − β rounded from double (0.001 for β₂ = 0.999), TensorFlow by
 * 1 − β in float32 (1 − 0.99900001 = 0.00099998713), so TensorFlow's v is tfjs's divided by
 * k₂ = 1.0000129 at every step, its m tfjs's divided by k₁. Passing the rate as lr·k₁/√k₂ and ε̂
 * divided by √k₂ cancels that in the weights, which then match the cpu backend's tfjs Adam as
 * closely as tfjs on the two backends match each other; m and v themselves stay TensorFlow's,
 * within 1.3e-5 of tfjs's (test/tl-backend.test.ts).
 *
 * Installed with the native kernels; it applies only while the "tensorflow" backend runs and
 * every variable and gradient is float32. Anything else keeps tfjs's own update.
 */
import * as tf from "@tensorflow/tfjs";

interface Binding {
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_STRING: number;
  TF_ATTR_SHAPE: number;
  TF_FLOAT: number;
}

interface NativeBackend {
  binding: Binding;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}

/** The fields of tfjs's AdamOptimizer the update reads and keeps (protected in its typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

type Gradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];
type ApplyGradients = (this: tf.AdamOptimizer, gradients: Gradients) => void;
type Dispose = (this: tf.AdamOptimizer) => void;

/** TensorFlow's name for a resource owned by its handle (ResourceHandle::ANONYMOUS_NAME). */
const ANONYMOUS = "cd2c89b7-88b7-44c8-ad83-06c2a9158347";

/** One variable's resources: the weight, m and v, and the tfjs tensors last written into them. */
interface Slot {
  handles: [tf.Tensor, tf.Tensor, tf.Tensor];
  written: [object | undefined, object | undefined, object | undefined];
}

/** Each optimizer's slots, by the position of the variable in applyGradients (as tfjs keeps its moments). */
const slotsOf = new WeakMap<tf.AdamOptimizer, Slot[]>();

class ResourceOps {
  private readonly dtype: { name: string; type: number; value: number };

  constructor(private readonly native: NativeBackend) {
    this.dtype = { name: "dtype", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
  }

  create(shape: number[]): tf.Tensor {
    const b = this.native.binding;
    const attrs = [
      { name: "container", type: b.TF_ATTR_STRING, value: "" },
      { name: "shared_name", type: b.TF_ATTR_STRING, value: ANONYMOUS },
      this.dtype,
      { name: "shape", type: b.TF_ATTR_SHAPE, value: shape },
    ];
    return this.native.executeMultipleOutputs("VarHandleOp", attrs, [], 1)[0];
  }

  assign(handle: tf.Tensor, value: tf.Tensor): void {
    const validate = { name: "validate_shape", type: this.native.binding.TF_ATTR_BOOL, value: false };
    this.native.executeMultipleOutputs("AssignVariableOp", [this.dtype, validate], [handle, value], 0);
  }

  read(handle: tf.Tensor): tf.Tensor {
    return this.native.executeMultipleOutputs("ReadVariableOp", [this.dtype], [handle], 1)[0];
  }

  applyAdam(slot: Slot, scalars: tf.Tensor[], gradient: tf.Tensor): void {
    const b = this.native.binding;
    const attrs = [
      { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
      { name: "use_locking", type: b.TF_ATTR_BOOL, value: false },
      { name: "use_nesterov", type: b.TF_ATTR_BOOL, value: false },
    ];
    this.native.executeMultipleOutputs("ResourceApplyAdam", attrs, [...slot.handles, ...scalars, gradient], 0);
  }
}

/** tfjs's moment variable at position i, made as tfjs makes it (zeros, not trainable) when missing. */
function moment(list: AdamInternals["accumulatedFirstMoment"], i: number, name: string, value: tf.Variable): tf.Variable {
  if (list[i] == null) list[i] = { originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  return list[i]!.variable;
}

/** tfjs's rate for a moment, float32(1 − β), over TensorFlow's, 1 − float32(β) rounded to float32. */
function momentRateRatio(beta: number): number {
  return Math.fround(1 - beta) / Math.fround(1 - Math.fround(beta));
}

function nativeApplyGradients(optimizer: tf.AdamOptimizer, gradients: Gradients, native: NativeBackend): void {
  const adam = optimizer as unknown as AdamInternals;
  const ops = new ResourceOps(native);
  const slots = slotsOf.get(optimizer) ?? [];
  slotsOf.set(optimizer, slots);
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  tf.tidy(() => {
    const { beta1, beta2 } = adam;
    const k1 = momentRateRatio(beta1);
    const k2 = momentRateRatio(beta2);
    const rate = tf.scalar((adam.learningRate * k1) / Math.sqrt(k2));
    const epsilon = tf.mul(tf.sqrt(tf.sub(1, adam.accBeta2)), adam.epsilon / Math.sqrt(k2));
    // β₁ᵗ, β₂ᵗ, the rate, β₁, β₂ and ε̂: ResourceApplyAdam's scalar inputs, in its order.
    const scalars = [adam.accBeta1, adam.accBeta2, rate, tf.scalar(beta1), tf.scalar(beta2), epsilon];
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      const first = moment(adam.accumulatedFirstMoment, i, `${name}/m`, value);
      const second = moment(adam.accumulatedSecondMoment, i, `${name}/v`, value);
      const gradient = Array.isArray(gradients) ? gradients[i].tensor : gradients[name];
      if (gradient == null) return;
      const variables = [value, first, second];
      slots[i] ??= { handles: variables.map((v) => tf.keep(ops.create(v.shape))) as Slot["handles"], written: [undefined, undefined, undefined] };
      const slot = slots[i];
      variables.forEach((v, k) => {
        if (slot.written[k] !== v.dataId) ops.assign(slot.handles[k], v);
      });
      // Until the reads below, the resources are ahead of tfjs: a step cut here (an interrupt)
      // leaves them to be written again from tfjs's values.
      slot.written = [undefined, undefined, undefined];
      ops.applyAdam(slot, scalars, gradient);
      variables.forEach((v, k) => {
        v.assign(ops.read(slot.handles[k]));
        slot.written[k] = v.dataId;
      });
    });
    adam.accBeta1.assign(tf.mul(adam.accBeta1, beta1));
    adam.accBeta2.assign(tf.mul(adam.accBeta2, beta2));
  });
  adam.incrementIterations();
}

/** Whether every variable and gradient of the call is float32, so ResourceApplyAdam can take them. */
function allFloat32(gradients: Gradients): boolean {
  const entries = Array.isArray(gradients) ? gradients.map((g) => [g.name, g.tensor] as const) : Object.entries(gradients);
  return entries.every(([name, gradient]) => tf.engine().registeredVariables[name]?.dtype === "float32" && (gradient == null || gradient.dtype === "float32"));
}

let installed = false;

/** Puts the native update on tfjs's AdamOptimizer; idempotent. */
export function installNativeAdam(): void {
  if (installed) return;
  const prototype = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients; dispose: Dispose };
  const original = prototype.applyGradients;
  const originalDispose = prototype.dispose;
  prototype.applyGradients = function (this: tf.AdamOptimizer, gradients: Gradients) {
    if (tf.getBackend() !== "tensorflow" || !allFloat32(gradients)) return original.call(this, gradients);
    nativeApplyGradients(this, gradients, tf.backend() as unknown as NativeBackend);
  };
  prototype.dispose = function (this: tf.AdamOptimizer) {
    tf.dispose((slotsOf.get(this) ?? []).flatMap((slot) => (slot ? slot.handles : [])));
    slotsOf.delete(this);
    originalDispose.call(this);
  };
  installed = true;
}
