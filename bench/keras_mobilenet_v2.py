"""MobileNetV2 in Keras on TensorFlow CPU: the forward-pass row and the transfer recipe of
bench/train-speed.js, the way a Keras user writes them. Runs from bench/.venv.

  keras_mobilenet_v2.py forward  [--threads N] [--batch 32] [--steps 5]
  keras_mobilenet_v2.py transfer [--threads N] [--examples 1024] [--batch 32]

forward: keras.applications.MobileNetV2 at 224², no top, model.predict_on_batch on a batch;
median seconds of `steps` batches after 2 warm-up ones.
transfer: MobileNetV2 at 96² (no top) + global average pooling + a softmax Dense over 10
classes; 5 epochs with the backbone frozen, then 2 epochs with everything from block_14 on
(blocks 14-16 and Conv_1) trainable; Adam; random images, labels cycling over the classes.
Its time is the whole of both fits (compiling the steps included), as a user waits for it.
The backbone's weights are random: speed does not depend on them.

Prints one JSON line.
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FROZEN_EPOCHS = 5
UNFROZEN_EPOCHS = 2
CLASSES = 10


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["forward", "transfer"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--examples", type=int, default=1024)
    return parser.parse_args()


def cpu_seconds():
    times = os.times()
    return times.user + times.system


def forward(keras, tf, args):
    model = keras.applications.MobileNetV2(input_shape=(224, 224, 3), include_top=False, weights=None)
    images = tf.random.uniform((args.batch, 224, 224, 3), seed=1)
    times, cpu = [], []
    for step in range(2 + args.steps):
        start, cpu_start = time.perf_counter(), cpu_seconds()
        model.predict_on_batch(images)
        if step >= 2:
            times.append(time.perf_counter() - start)
            cpu.append(cpu_seconds() - cpu_start)
    times.sort()
    cpu.sort()
    middle = len(times) // 2
    return {"secondsPerBatch": times[middle], "cpuSecondsPerBatch": cpu[middle], "batchSize": args.batch, "params": model.count_params()}


def transfer(keras, tf, args):
    keras.utils.set_random_seed(1)
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
    inputs = keras.Input(shape=(96, 96, 3))
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(CLASSES, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    images = tf.random.uniform((args.examples, 96, 96, 3), seed=2)
    labels = tf.one_hot([i % CLASSES for i in range(args.examples)], CLASSES)

    start, cpu_start = time.perf_counter(), cpu_seconds()
    base.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(images, labels, batch_size=args.batch, epochs=FROZEN_EPOCHS, shuffle=True, verbose=0)
    frozen = time.perf_counter() - start

    base.trainable = True
    trainable = False
    for layer in base.layers:
        trainable = trainable or layer.name.startswith("block_14")
        layer.trainable = trainable
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(images, labels, batch_size=args.batch, epochs=UNFROZEN_EPOCHS, shuffle=True, verbose=0)
    total = time.perf_counter() - start
    return {
        "seconds": total,
        "frozenSeconds": frozen,
        "unfrozenSeconds": total - frozen,
        "cpuSeconds": cpu_seconds() - cpu_start,
        "examples": args.examples,
        "trainableAfter": sum(1 for layer in base.layers if layer.trainable and layer.weights),
    }


def main():
    args = parse_args()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    result = forward(keras, tf, args) if args.mode == "forward" else transfer(keras, tf, args)
    result["version"] = f"{keras.__version__} on TensorFlow {tf.__version__}"
    result["threads"] = args.threads
    print(json.dumps(result))


if __name__ == "__main__":
    main()
