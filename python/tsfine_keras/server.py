"""The keras engine's process: one per tsfine kernel, started by tl/engine/keras/process.ts.

Protocol: one JSON request per line on stdin ({"id", "op", ...}); one JSON reply per request on
file descriptor 3 ({"id", "ok": true, ...} or {"id", "ok": false, "error": "one sentence"}), so
whatever TensorFlow or a library prints on stdout/stderr never mixes with replies. Tensors cross
as .npy files (in shared memory where the machine has /dev/shm): a flat float32 vector for the
weights in the order of the manifest tfjs sends, and batches with their shapes.
"""

import json
import os
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


class EngineError(Exception):
    """Answered to tfjs as one sentence; the process keeps serving."""


def limit_threads():
    """TSFINE_KERAS_THREADS: TensorFlow's thread pools (the bench compares at 1 and 2 threads); before any op."""
    threads = os.environ.get("TSFINE_KERAS_THREADS")
    if threads and os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))


class Session:
    def __init__(self):
        limit_threads()
        from .cluster import ClusterError, join

        try:
            # This process's place in a multi-process run (0 of 1 alone): JAX must learn it first.
            self.process_index, self.process_count = join()
        except ClusterError as error:
            raise EngineError(str(error)) from None
        import keras

        self.keras = keras
        self.model = None
        self.variables = []  # every weight, manifest order
        self.trainable = []  # trainable weights, manifest order
        self.classification = True
        self.train_step = None

    # ---- what runs where -------------------------------------------------------------------
    def hello(self, request):
        import keras

        framework = keras.backend.backend()
        devices, version = describe_devices(framework)
        return {"framework": framework, "frameworkVersion": version, "keras": keras.__version__, "devices": devices, "python": sys.version.split()[0]}

    # ---- the model -------------------------------------------------------------------------
    def build(self, request):
        from .convert import ConversionError, build_model, leaf_layers

        devices_used = self._distribute(request.get("devices"))
        try:
            model = build_model(request["topology"])
        except ConversionError as error:
            raise EngineError(str(error)) from None
        by_name = {layer.name: layer for layer in leaf_layers(model)}
        self.layers = by_name
        variables, trainable = [], []
        for entry in request["manifest"]:
            layer = by_name.get(entry["layer"])
            if layer is None:
                raise EngineError(f"Layer {entry['layer']} is missing from the Keras model built from its config; it cannot be trained by the keras engine.")
            layer.trainable = bool(entry["trainable"])
            weights = layer.weights
            shapes = [list(w.shape) for w in weights]
            if shapes != entry["shapes"]:
                raise EngineError(
                    f"Layer {entry['layer']} holds weights of shapes {entry['shapes']} in tfjs but {shapes} in Keras; it cannot go to the keras engine."
                )
            variables.extend(weights)
            if entry["trainable"]:
                trainable.extend(layer.trainable_weights)
        self.model, self.variables, self.trainable = model, variables, trainable
        self._write_weights(request["weights"], into_model=True)
        return {"params": int(sum(int(np.prod(v.shape)) for v in variables)), "trainable": len(trainable), "devicesUsed": devices_used}

    def _distribute(self, devices):
        """devices "all": data parallel over every device with keras.distribution (JAX); else one device."""
        keras = self.keras
        framework = keras.backend.backend()
        available, _ = describe_devices(framework)
        if devices != "all":
            if framework == "jax":
                keras.distribution.set_distribution(None)
            return available[:1]
        if framework != "jax":
            raise EngineError(
                f'devices: "all" trains data-parallel with keras.distribution, which runs on JAX, and this engine runs {framework}: '
                "run `npx tsfine backend install keras --with jax` and set TSFINE_KERAS_FRAMEWORK=jax."
            )
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=keras.distribution.list_devices()))
        return available

    def _write_weights(self, path, into_model):
        flat = np.load(path)
        offset = 0
        for variable in self.variables:
            size = int(np.prod(variable.shape))
            variable.assign(flat[offset : offset + size].reshape(variable.shape))
            offset += size
        if offset != flat.size:
            raise EngineError(f"tfjs sent {flat.size} weight values where the model holds {offset}.")

    def set_weights(self, request):
        self._require_model()
        self._write_weights(request["weights"], into_model=True)
        return {}

    def get_weights(self, request):
        self._require_model()
        flat = np.concatenate([np.asarray(self.keras.ops.convert_to_numpy(v.value), dtype=np.float32).ravel() for v in self.variables])
        np.save(request["path"], flat)
        return {"values": int(flat.size)}

    def _require_model(self):
        if self.model is None:
            raise EngineError("No model has been sent to the keras engine yet.")

    # ---- training --------------------------------------------------------------------------
    def compile(self, request):
        self._require_model()
        keras = self.keras
        self.classification = bool(request["classification"])
        # Discriminative rates (tl's layerLrs / lrMult): a multiplier per layer on the scheduled rate.
        scales = {}
        for layer_name, scale in (request.get("multipliers") or {}).items():
            for variable in self.layers[layer_name].trainable_weights:
                scales[variable.path] = float(scale)
        optimizer = make_optimizer(keras, request["optimizer"], float(request["lr"]), scales)
        metrics = [keras.metrics.CategoricalAccuracy(name="acc")] if self.classification else []
        self.model.compile(optimizer=optimizer, loss=tfjs_loss(keras, self.classification), metrics=metrics)
        self.train_step = None
        return {}

    def _train_step(self, x, y):
        """Keras's train step, compiled once for every batch size on TensorFlow.

        train_on_batch traces its step for the first batch's shape and again, generalised, for
        the epoch's smaller last batch: for MobileNetV2's blocks 14-16 that second trace cost
        2.2 CPU s, 40% of the first. Here the step is traced once with the batch dimension left
        open. Other frameworks (and a Keras without this internal) keep train_on_batch.
        """
        model = self.model
        if self.keras.backend.backend() != "tensorflow" or not hasattr(model, "train_step"):
            return lambda: model.train_on_batch(x, y, return_dict=True)
        import tensorflow as tf

        if self.train_step is None:
            # The optimizer's variables made here, as Keras's own fit does before its trace: made
            # inside the trace instead, they more than double its cost (MobileNetV2's blocks 14-16:
            # 5.7 against 2.5 CPU s).
            if not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
            specs = [tf.TensorSpec([None, *a.shape[1:]], tf.as_dtype(a.dtype)) for a in (x, y)]
            # The same step train_on_batch runs (no distribution strategy: one device).
            step = tf.function(lambda bx, by: model.train_step((bx, by, None)), input_signature=specs, jit_compile=bool(model.jit_compile))
            self.train_step = step
        return lambda: {name: float(value) for name, value in self.train_step(x, y).items()}

    def step(self, request):
        self._require_model()
        x, y = self._own_rows(np.load(request["x"])), self._own_rows(np.load(request["y"]))
        self.model.optimizer.learning_rate.assign(float(request["lr"]))
        self.model.reset_metrics()
        logs = self._train_step(x, y)()
        reply = {"loss": float(logs["loss"])}
        if "acc" in logs:
            reply["acc"] = float(logs["acc"])
        return reply

    def _own_rows(self, batch):
        """In a multi-process run every process holds the whole global batch (the same script, the same
        seed) and feeds Keras its own slice of the rows, in process order: Keras's JAX trainer joins the
        slices into the global batch (jax.make_array_from_process_local_data)."""
        if self.process_count == 1 or self.keras.distribution.distribution() is None:
            return batch
        rows = batch.shape[0] // self.process_count
        return batch[self.process_index * rows : (self.process_index + 1) * rows]

    def warm_up(self, request):
        """Runs the compiled train step once on a batch of zeros, then puts back every variable it
        touched (weights, BatchNorm statistics, the optimizer's slots and step count), so the fit's
        first batch finds its step traced and optimised: tfjs asks for this while it computes the
        frozen activations, which the trace then overlaps. Only where the step is traced once for
        every batch size (TensorFlow, one input); elsewhere the first batch compiles it."""
        self._require_model()
        model = self.model
        single_input = not isinstance(model.input_shape, list)
        if self.keras.backend.backend() != "tensorflow" or not hasattr(model, "train_step") or not single_input:
            return {"warmed": False}
        x = np.zeros([1, *model.input_shape[1:]], dtype=np.float32)
        y = np.zeros([1, *model.output_shape[1:]], dtype=np.float32)
        step = self._train_step(x, y)  # builds the optimizer: its variables exist before the snapshot
        touched = list({id(v): v for v in [*model.variables, *model.optimizer.variables]}.values())
        saved = [np.array(v.numpy()) for v in touched]
        step()
        for variable, value in zip(touched, saved):
            variable.assign(value)
        return {"warmed": True}

    def predict(self, request):
        self._require_model()
        x = np.load(request["x"])
        out = self.model(x, training=False)
        np.save(request["path"], np.asarray(self.keras.ops.convert_to_numpy(out), dtype=np.float32))
        return {}

    def grads(self, request):
        """Loss and the gradient of every trainable weight for one batch (training mode), state kept."""
        self._require_model()
        import keras

        if keras.backend.backend() != "tensorflow":
            raise EngineError(f"Gradients for comparison are computed on TensorFlow only; this engine runs {keras.backend.backend()}.")
        import tensorflow as tf

        x, y = np.load(request["x"]), np.load(request["y"])
        saved = [v.numpy() for v in self.model.non_trainable_weights]
        loss_fn = tfjs_loss(keras, self.classification)
        with tf.GradientTape() as tape:
            predictions = self.model(x, training=True)
            loss = tf.reduce_mean(loss_fn(tf.constant(y), predictions))
        gradients = tape.gradient(loss, [v.value for v in self.trainable])
        for v, value in zip(self.model.non_trainable_weights, saved):
            v.assign(value)
        flat = np.concatenate([np.asarray(tf.convert_to_tensor(g), dtype=np.float32).ravel() for g in gradients])
        np.save(request["path"], flat)
        return {"loss": float(loss)}


def tfjs_loss(keras, classification):
    """tl.fit's per-example loss (tl/fit/measure.ts), so both engines minimise the same number."""
    ops = keras.ops

    def categorical(y_true, y_pred):
        return -ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=-1)

    def squared(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    return categorical if classification else squared


def make_optimizer(keras, name, lr, scales=None):
    """tl's optimizer names with tfjs's defaults (tl/fit/optimizers.ts); `scales`: variable path → rate multiplier."""
    if name in ("adam", "adamw"):
        # tl's "adamw" is tfjs's adam (tfjs has no decoupled weight decay): the same here.
        cls, kwargs = keras.optimizers.Adam, dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    elif name == "sgd":
        cls, kwargs = keras.optimizers.SGD, {}
    elif name == "momentum":
        cls, kwargs = keras.optimizers.SGD, dict(momentum=0.9)
    elif name == "rmsprop":
        cls, kwargs = keras.optimizers.RMSprop, dict(rho=0.9, momentum=0.0, epsilon=1e-7)
    else:
        raise EngineError(f'Unknown optimizer "{name}"; use adam, sgd, momentum or rmsprop.')
    if scales and any(scale != 1.0 for scale in scales.values()):
        cls = with_rate_multipliers(cls, scales)
    return cls(learning_rate=lr, **kwargs)


def with_rate_multipliers(cls, scales):
    """The optimizer class with each variable's step at learning_rate × its multiplier.

    Keras 3 calls update_step once per variable on every framework (inside the compiled step too),
    so scaling its learning_rate there is tfjs's one-optimizer-per-layer-group, in one optimizer.
    """

    class WithRateMultipliers(cls):
        def update_step(self, gradient, variable, learning_rate):
            by_index = getattr(self, "_tsfine_scales", None)
            if by_index is None:
                by_index = [scales.get(v.path, 1.0) for v in self._trainable_variables]
                self._tsfine_scales = by_index
            scale = by_index[self._get_variable_index(variable)]
            return super().update_step(gradient, variable, learning_rate * scale)

    WithRateMultipliers.__name__ = cls.__name__
    return WithRateMultipliers


def describe_devices(framework):
    """The devices the framework trains on, and its version."""
    if framework == "tensorflow":
        import tensorflow as tf

        found = [f"{d.device_type}:{d.name.split(':')[-1]}" for d in tf.config.list_physical_devices() if d.device_type in ("CPU", "GPU", "TPU")]
        # TensorFlow places ops on its first accelerator when there is one: name that device first
        # (a one-device fit reports devices[0]); TensorFlow itself lists CPU:0 first
        return sorted(found, key=lambda name: name.startswith("CPU")), tf.__version__
    if framework == "jax":
        import jax

        return [f"{d.platform.upper()}:{d.id}" for d in jax.devices()], jax.__version__
    if framework == "torch":
        import torch

        gpus = [f"GPU:{i}" for i in range(torch.cuda.device_count())]
        return gpus or ["CPU:0"], torch.__version__
    return [], "?"


def serve(requests, replies):
    session = None
    # A failed join of a multi-process run is answered again at once: the requests queued behind
    # the first (prepare's hello, then the fit's) would each wait the whole timeout again.
    failed_start = None
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        reply = {"id": request.get("id")}
        try:
            op = request["op"]
            if op == "exit":
                reply["ok"] = True
                replies.write(json.dumps(reply) + "\n")
                replies.flush()
                return
            if failed_start is not None:
                raise failed_start
            if session is None:
                try:
                    session = Session()
                except EngineError as error:
                    failed_start = error
                    raise
            handler = getattr(session, op, None)
            if handler is None or op.startswith("_"):
                raise EngineError(f'The keras engine has no operation "{op}".')
            reply.update(handler(request))
            reply["ok"] = True
        except EngineError as error:
            reply.update(ok=False, error=str(error))
        except Exception as error:  # a Keras or framework error: its last line, the trace on stderr
            traceback.print_exc(file=sys.stderr)
            message = str(error).strip().splitlines()
            reply.update(ok=False, error=f"{type(error).__name__}: {message[-1] if message else ''}".strip())
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main():
    replies = os.fdopen(int(os.environ.get("TSFINE_KERAS_REPLY_FD", "3")), "w")
    # Stray prints from libraries go to stderr, which tfjs keeps for the message if this process dies.
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
