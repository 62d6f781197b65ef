"""The MobileNet-like training step of bench/train-speed.js in Keras on TensorFlow CPU.

Prints one JSON line like torch_step.py: {"version", "params", "secondsPerStep", "cpuSecondsPerStep",
"threads", "batchSize", "steps", "jit"}. Runs from bench/.venv (bench/setup-venv.sh installs the
pinned tensorflow-cpu from PyPI).
"""
import os

from step_timing import parse_args, report_step_times

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]
EXPECTED_PARAMS = 549578


def mobilenet_like(keras, classes=10):
    layers = keras.layers

    def bn_relu6(x):
        # tfjs-layers and Keras share these defaults (momentum 0.99, epsilon 1e-3).
        return layers.ReLU(max_value=6)(layers.BatchNormalization()(x))

    inputs = keras.Input(shape=(96, 96, 3))
    x = bn_relu6(layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False)(inputs))
    for filters, stride in BLOCKS:
        x = bn_relu6(layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x))
        x = bn_relu6(layers.Conv2D(filters, 1, use_bias=False)(x))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mobilenet_like")


def main():
    args = parse_args()

    import tensorflow as tf

    # Must happen before TensorFlow creates its thread pools (first op).
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    keras.utils.set_random_seed(1)
    model = mobilenet_like(keras)
    # count_params() counts BatchNorm moving statistics too, as tfjs's countParams() does.
    params = model.count_params()
    assert params == EXPECTED_PARAMS, f"model has {params} params, expected {EXPECTED_PARAMS}"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    rng = tf.random.Generator.from_seed(1)
    images = rng.uniform((args.batch, 96, 96, 3))
    labels = tf.one_hot(rng.uniform((args.batch,), 0, 10, dtype=tf.int32), 10)

    def one_step():
        # train_on_batch returns the loss as a NumPy value, so the step has finished when it returns.
        model.train_on_batch(images, labels)

    report_step_times(
        args,
        one_step,
        version=f"{keras.__version__} on TensorFlow {tf.__version__}",
        params=params,
        jit=bool(getattr(model, "jit_compile", False)),
    )


if __name__ == "__main__":
    main()
