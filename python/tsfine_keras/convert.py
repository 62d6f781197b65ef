"""A tfjs LayersModel's topology (model.toJSON()) built as a Keras 3 model, layer by layer.

Keras's own model_from_json rejects tfjs's JSON (class "Model", `batch_input_shape` on the input
layer), so the graph is rebuilt here: each layer from its config, each call from its inbound nodes.
Initializers, regularizers and constraints are left out: the weights come from tfjs right after,
and tl.fit trains on the loss alone (tfjs's custom loop adds no regularization terms), so the
Keras model must not add them either.
"""

import keras
from keras import ops


class ConversionError(Exception):
    """One sentence naming the layer that cannot convert and why."""


# tfjs activation names that mean something else in Keras: refuse rather than train another model.
DIFFERENT_ACTIVATIONS = {
    "hard_sigmoid": "tfjs's hard_sigmoid is 0.2·x + 0.5 while Keras 3's is relu6(x + 3) / 6",
}

# Config keys that tfjs writes and Keras 3 layers do not take, or that must not carry over.
DROPPED_KEYS = {"batch_input_shape", "batch_size", "input_dtype", "sparse", "trainable"}
DROPPED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")

SUPPORTED = {
    "Conv2D", "Conv1D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose",
    "BatchNormalization", "LayerNormalization",
    "ReLU", "LeakyReLU", "ELU", "Softmax", "Activation",
    "Dense", "Dropout", "SpatialDropout2D", "Flatten", "Reshape", "Permute",
    "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
    "ZeroPadding2D", "Cropping2D", "UpSampling2D",
    "Add", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Subtract",
    "Rescaling", "Embedding",
}

CANNOT_CONVERT = {
    "FrozenGraphModel": "it runs a frozen TensorFlow graph (a GraphModel), not layers; keep it frozen "
    "and below the trainable layers so tl.fit computes its output once in tfjs (the frozen-activation cache) "
    "and only the layers above train in Keras",
}


@keras.saving.register_keras_serializable(package="tsfine")
class EmbeddingBag(keras.layers.Layer):
    """tl.text's EmbeddingBag: the mean of the rows of a text's token ids, id 0 (padding) left out."""

    def __init__(self, input_dim, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer="zeros", name="embeddings")

    def call(self, inputs):
        ids = ops.cast(inputs, "int32")
        rows = ops.take(self.embeddings, ids, axis=0)
        mask = ops.expand_dims(ops.cast(ops.greater(ids, 0), self.compute_dtype), -1)
        total = ops.sum(rows * mask, axis=1)
        count = ops.maximum(ops.sum(mask, axis=1), 1.0)
        return total / count

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


def _check_activation(layer_name, class_name, config):
    activation = config.get("activation")
    if isinstance(activation, str) and activation in DIFFERENT_ACTIVATIONS:
        raise ConversionError(
            f"Layer {layer_name} ({class_name}) uses activation {activation}, which differs between the engines "
            f"({DIFFERENT_ACTIVATIONS[activation]}); train this model with the tfjs engine."
        )


def _layer(entry):
    class_name = entry["class_name"]
    config = dict(entry["config"])
    name = config.get("name", entry.get("name"))
    if class_name in CANNOT_CONVERT:
        raise ConversionError(f"Layer {name} ({class_name}) cannot go to the keras engine: {CANNOT_CONVERT[class_name]}.")
    if class_name == "TsfineEmbeddingBag":
        # tfjs writes its configs' keys in snake case (inputDim → input_dim).
        return EmbeddingBag(config["input_dim"], config["output_dim"], name=name)
    if class_name not in SUPPORTED:
        raise ConversionError(
            f"Layer {name} ({class_name}) has no Keras counterpart in tsfine's converter yet; train this model with the tfjs engine."
        )
    _check_activation(name, class_name, config)
    kept = {k: v for k, v in config.items() if k not in DROPPED_KEYS and not k.endswith(DROPPED_SUFFIXES)}
    if class_name == "Dropout" and kept.get("noise_shape") is None:
        kept.pop("noise_shape", None)
    if class_name == "Rescaling":
        kept.pop("data_format", None)
    try:
        return getattr(keras.layers, class_name)(**kept)
    except (TypeError, ValueError) as error:
        raise ConversionError(f"Layer {name} ({class_name}) has a setting Keras's {class_name} does not take ({error}).") from None


def _input_of(entry):
    config = entry["config"]
    shape = config["batch_input_shape"][1:]
    return keras.Input(shape=tuple(shape), name=config.get("name", entry.get("name")), dtype=config.get("dtype", "float32"))


def _sequential(config, name):
    layers = config["layers"] if isinstance(config, dict) else config
    first = layers[0]["config"]
    if "batch_input_shape" not in first:
        raise ConversionError(f"Model {name} is a Sequential model without an input shape on its first layer; build it with inputShape.")
    x = inputs = keras.Input(shape=tuple(first["batch_input_shape"][1:]), dtype=first.get("dtype", "float32"))
    for entry in layers:
        if entry["class_name"] == "InputLayer":
            continue
        x = build_layer(entry)(x)
    return keras.Model(inputs, x, name=name)


def _functional(config):
    name = config["name"]
    # outputs[(layer name, node index)] = the layer's output tensor(s) for that call
    outputs = {}
    pending = list(config["layers"])
    while pending:
        progressed = False
        for entry in list(pending):
            layer_name = entry["name"]
            if entry["class_name"] == "InputLayer":
                outputs[(layer_name, 0)] = _input_of(entry)
                pending.remove(entry)
                progressed = True
                continue
            nodes = entry.get("inbound_nodes", [])
            wanted = [[(inbound[0], inbound[1]) for inbound in node] for node in nodes]
            if not all(key in outputs for node in wanted for key in node):
                continue
            layer = build_layer(entry)
            for index, node in enumerate(nodes):
                args = []
                for inbound in node:
                    produced = outputs[(inbound[0], inbound[1])]
                    args.append(produced[inbound[2]] if isinstance(produced, (list, tuple)) else produced)
                outputs[(layer_name, index)] = layer(args[0] if len(args) == 1 else args)
            pending.remove(entry)
            progressed = True
        if not progressed:
            names = ", ".join(e["name"] for e in pending)
            raise ConversionError(f"Model {name} has layers whose inputs never appear ({names}); it cannot be rebuilt in Keras.")

    def pick(refs):
        tensors = []
        for layer_name, node_index, tensor_index in (r[:3] for r in refs):
            produced = outputs[(layer_name, node_index)]
            tensors.append(produced[tensor_index] if isinstance(produced, (list, tuple)) else produced)
        return tensors[0] if len(tensors) == 1 else tensors

    return keras.Model(pick(config["input_layers"]), pick(config["output_layers"]), name=name)


def build_layer(entry):
    """A layer from its tfjs JSON entry; a nested model becomes a Keras model used as a layer."""
    class_name = entry["class_name"]
    if class_name in ("Model", "Functional"):
        return _functional(entry["config"])
    if class_name == "Sequential":
        return _sequential(entry["config"], entry["config"].get("name", "sequential"))
    return _layer(entry)


def build_model(topology):
    """The Keras model for a tfjs model.toJSON() object ({class_name, config})."""
    class_name = topology["class_name"]
    if class_name == "Sequential":
        return _sequential(topology["config"], topology["config"].get("name", "sequential"))
    if class_name in ("Model", "Functional"):
        return _functional(topology["config"])
    raise ConversionError(f"The model is a {class_name}, not a LayersModel; only LayersModels convert to Keras.")


def leaf_layers(model):
    """Every layer that holds computation, nested models flattened, input layers left out (tl.leafLayers' order)."""
    leaves = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            leaves.extend(leaf_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            leaves.append(layer)
    return leaves
