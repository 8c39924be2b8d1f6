"""Writes SavedModels with real Python TensorFlow/Keras for Graft's tests.

    python make_fixtures.py --out target/python-fixtures [--shared ../shared] [--only NAME,...]

Each fixture is a folder NAME/ holding the SavedModel and `fixture.json`, which says how it was made
(API, Keras version), its input, what Graft must do with it (the head it must find, or the reason it
must refuse), and a reference input/output pair computed by Python on the exported signature
(`reference_input.bin`, `reference_output.bin`: little-endian float32, shapes in fixture.json).
Seeds are fixed: running it twice writes the same weights.
"""

import argparse
import json
import os
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

SEED = 42
FIXTURES = {}


def fixture(name):
    def register(fn):
        FIXTURES[name] = fn
        return fn
    return register


def seed():
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()


def reference_input(shape, dtype="float32", scale=1.0):
    rng = np.random.default_rng(SEED)
    return (rng.random((2,) + tuple(shape)) * scale).astype(dtype)


# ---------------------------------------------------------------------------------------------------------------
# Small models, one per export API


def small_cnn(num_classes=5, input_shape=(28, 28, 1)):
    inputs = keras.Input(input_shape, name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv_1")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(32, activation="relu", name="dense")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


@fixture("keras3_export_cnn")
def keras3_export_cnn(out):
    model = small_cnn()
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[28, 28, 1], classes=5)


@fixture("keras3_tfsave_cnn")
def keras3_tfsave_cnn(out):
    model = small_cnn()
    tf.saved_model.save(model, out)
    return dict(api="tf.saved_model.save(keras3 model)", head="predictions", input_shape=[28, 28, 1], classes=5)


@fixture("keras2_cnn")
def keras2_cnn(out):
    import tf_keras
    tf_keras.utils.set_random_seed(SEED)
    inputs = tf_keras.Input((28, 28, 1), name="image")
    x = tf_keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(inputs)
    x = tf_keras.layers.BatchNormalization(name="bn")(x)
    x = tf_keras.layers.MaxPooling2D(name="pool")(x)
    x = tf_keras.layers.Flatten(name="flatten")(x)
    x = tf_keras.layers.Dense(32, activation="relu", name="dense")(x)
    outputs = tf_keras.layers.Dense(4, activation="softmax", name="predictions")(x)
    model = tf_keras.Model(inputs, outputs)
    model.save(out, save_format="tf")
    return dict(api="tf_keras model.save(save_format='tf')", head="predictions", input_shape=[28, 28, 1],
                classes=4)


@fixture("tf_module_mlp")
def tf_module_mlp(out):
    class Classifier(tf.Module):
        def __init__(self):
            super().__init__()
            init = tf.random.stateless_normal
            self.w1 = tf.Variable(init([16, 32], seed=[SEED, 1]) * 0.3, name="hidden/kernel")
            self.b1 = tf.Variable(tf.zeros([32]), name="hidden/bias")
            self.w2 = tf.Variable(init([32, 3], seed=[SEED, 2]) * 0.3, name="logits/kernel")
            self.b2 = tf.Variable(tf.zeros([3]), name="logits/bias")

        @tf.function(input_signature=[tf.TensorSpec([None, 16], tf.float32, name="features")])
        def serve(self, features):
            hidden = tf.nn.relu(tf.matmul(features, self.w1) + self.b1)
            logits = tf.nn.bias_add(tf.matmul(hidden, self.w2), self.b2)
            return {"probabilities": tf.nn.softmax(logits)}

    module = Classifier()
    tf.saved_model.save(module, out, signatures={"serving_default": module.serve})
    return dict(api="tf.Module + @tf.function signature", head="logits", input_shape=[16], classes=3)


# ---------------------------------------------------------------------------------------------------------------
# Real architectures at 224x224x3


@fixture("mobilenet_v2")
def mobilenet_v2(out):
    model = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=1.0, weights=None, classes=10)
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[224, 224, 3], classes=10,
                architecture="MobileNetV2 alpha 1.0, weights=None")


@fixture("efficientnet_b0")
def efficientnet_b0(out):
    model = keras.applications.EfficientNetB0(input_shape=(224, 224, 3), weights=None, classes=10)
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[224, 224, 3], classes=10,
                architecture="EfficientNetB0, weights=None (Rescaling, Normalization, swish, squeeze-excite)",
                input_scale=255.0)


@fixture("resnet50_v2")
def resnet50_v2(out):
    model = keras.applications.ResNet50V2(input_shape=(224, 224, 3), weights=None, classes=10)
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[224, 224, 3], classes=10,
                architecture="ResNet50V2, weights=None")


def pretrained_mobilenet_v1(shared):
    weights = os.path.join(shared, "weights", "mobilenet_2_5_224_tf_no_top.h5")
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"{weights} is missing: the pretrained MobileNet v1 fixtures need ../shared/weights")
    return keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, include_top=False, weights=weights)


@fixture("mobilenet_v1_025_pooled")
def mobilenet_v1_025_pooled(out, shared):
    base = pretrained_mobilenet_v1(shared)
    x = keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d")(base.output)
    outputs = keras.layers.Dense(1000, activation="softmax", name="predictions")(x)
    model = keras.Model(base.input, outputs, name="mobilenet_v1_025_pooled")
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[224, 224, 3], classes=1000,
                architecture="MobileNet v1 alpha 0.25, ImageNet weights (no top) + GlobalAveragePooling + Dense",
                pretrained=True, preprocess="symmetric", input_scale=255.0)


@fixture("mobilenet_v1_025_keras_top")
def mobilenet_v1_025_keras_top(out, shared):
    base = pretrained_mobilenet_v1(shared)
    model = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, include_top=True, weights=None,
                                         classes=1000)
    donors = {layer.name: layer for layer in base.layers}
    copied = 0
    for layer in model.layers:
        if layer.name in donors and layer.weights:
            layer.set_weights(donors[layer.name].get_weights())
            copied += 1
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="conv_preds", input_shape=[224, 224, 3], classes=1000,
                architecture="Keras MobileNet v1 alpha 0.25 with its own top (GlobalAveragePooling keepdims, "
                             "Dropout, 1x1 Conv2D conv_preds, Reshape, Softmax); backbone ImageNet weights",
                pretrained=True, preprocess="symmetric", input_scale=255.0, layers_with_pretrained_weights=copied)


@fixture("teachable_machine")
def teachable_machine(out):
    # The layout Teachable Machine's image project exports: a nested Sequential of the truncated
    # MobileNetV2 0.35 and global pooling, then a nested Sequential head Dense(100, relu), Dense(N, no bias).
    backbone = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=0.35, include_top=False,
                                              weights=None)
    features = keras.Sequential([backbone, keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d")],
                                name="sequential_1")
    head = keras.Sequential([
        keras.Input((1280,)),
        keras.layers.Dense(100, activation="relu", name="dense_Dense1"),
        keras.layers.Dense(3, use_bias=False, activation="softmax", name="dense_Dense2"),
    ], name="sequential_3")
    inputs = keras.Input((224, 224, 3), name="input_1")
    model = keras.Model(inputs, head(features(inputs)), name="teachable_machine")
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="dense_Dense2", input_shape=[224, 224, 3], classes=3,
                architecture="Teachable Machine layout: Sequential(MobileNetV2 0.35 truncated, GAP), "
                             "Sequential(Dense(100, relu), Dense(3, no bias, softmax)); weights=None",
                old_hidden_layer="dense_Dense1")


# ---------------------------------------------------------------------------------------------------------------
# Layers that live inside the graph


@fixture("preprocessing_layers")
def preprocessing_layers(out):
    inputs = keras.Input((64, 64, 3), name="image")
    x = keras.layers.Rescaling(1.0 / 255, name="rescaling")(inputs)
    x = keras.layers.Resizing(32, 32, name="resizing")(x)
    x = keras.layers.RandomFlip("horizontal", seed=SEED, name="random_flip")(x)
    x = keras.layers.RandomRotation(0.1, seed=SEED, name="random_rotation")(x)
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(4, activation="softmax", name="predictions")(x)
    keras.Model(inputs, outputs).export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[64, 64, 3], classes=4,
                input_scale=255.0)


@fixture("dropout_layernorm")
def dropout_layernorm(out):
    inputs = keras.Input((20,), name="features")
    x = keras.layers.Dense(32, activation="relu", name="dense")(inputs)
    x = keras.layers.LayerNormalization(name="layer_norm")(x)
    x = keras.layers.Dropout(0.3, seed=SEED, name="dropout")(x)
    x = keras.layers.Dense(16, activation="relu", name="dense_1")(x)
    x = keras.layers.Dropout(0.2, seed=SEED, name="dropout_1")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    keras.Model(inputs, outputs).export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[20], classes=3)


TEXTS = ["the film was wonderful", "a dull and boring plot", "great acting and a great story",
         "i fell asleep", "wonderful music", "boring boring boring", "a great film", "the worst plot"]


@fixture("text_classifier")
def text_classifier(out):
    vectorize = keras.layers.TextVectorization(max_tokens=50, output_sequence_length=8, name="vectorize")
    vectorize.adapt(TEXTS)
    inputs = keras.Input((1,), dtype="string", name="text")
    x = vectorize(inputs)
    x = keras.layers.Embedding(50, 8, name="embedding")(x)
    x = keras.layers.GlobalAveragePooling1D(name="gap")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="predictions")(x)
    keras.Model(inputs, outputs).export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="predictions", input_shape=[1], input_dtype="string",
                classes=2, texts=TEXTS[:2])


@fixture("conv_head_squeeze")
def conv_head_squeeze(out):
    # Keras Applications' 1x1-convolution classifier over a pooled map, squeezed to [N, classes] by tf.squeeze.
    inputs = keras.Input((32, 32, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", name="conv_1")(x)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    x = keras.layers.Conv2D(4, 1, name="conv_preds")(x)
    x = keras.layers.Lambda(lambda t: keras.ops.squeeze(t, axis=(1, 2)), name="squeeze")(x)
    outputs = keras.layers.Activation("softmax", name="predictions")(x)
    keras.Model(inputs, outputs).export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="conv_preds", input_shape=[32, 32, 3], classes=4,
                architecture="small CNN, GAP keepdims, Dropout, 1x1 Conv2D conv_preds, Squeeze, Softmax",
                input_scale=255.0, feature_layer="gap", feature_size=16)


@fixture("teachable_machine_pretrained")
def teachable_machine_pretrained(out, shared):
    # Teachable Machine's layout over a backbone with real ImageNet weights (MobileNet v1 0.25): a nested
    # Sequential of the truncated backbone and global pooling, then a nested Sequential head Dense(100, relu),
    # Dense(2, no bias, softmax), as an image project with two classes exports it.
    base = pretrained_mobilenet_v1(shared)
    features = keras.Sequential([base, keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d")],
                                name="sequential_1")
    head = keras.Sequential([
        keras.Input((256,)),
        keras.layers.Dense(100, activation="relu", name="dense_Dense1"),
        keras.layers.Dense(2, use_bias=False, activation="softmax", name="dense_Dense2"),
    ], name="sequential_3")
    inputs = keras.Input((224, 224, 3), name="input_1")
    model = keras.Model(inputs, head(features(inputs)), name="teachable_machine_pretrained")
    model.export(out, format="tf_saved_model")
    return dict(api="keras3 model.export()", head="dense_Dense2", input_shape=[224, 224, 3], classes=2,
                architecture="Teachable Machine layout over MobileNet v1 0.25 with ImageNet weights: "
                             "Sequential(backbone, GAP), Sequential(Dense(100, relu), Dense(2, no bias, softmax))",
                pretrained=True, preprocess="symmetric", input_scale=255.0, old_hidden_layer="dense_Dense1",
                feature_layer="global_average_pooling2d", feature_size=256)
VOCABULARY = ["[UNK]", "the", "a", "and", "film", "plot", "was", "i", "acting", "wonderful", "great", "music",
              "story", "boring", "dull", "worst", "asleep"]


@fixture("vocab_file_table")
def vocab_file_table(out):
    # A tf.Module whose word ids come from a lookup table filled from an asset file (the vocabulary layout of
    # TF1-era and tf.Transform text models), with an embedding read by tf.gather on the variable (ResourceGather).
    vocab_dir = out + ".vocab"
    os.makedirs(vocab_dir, exist_ok=True)
    vocab_path = os.path.join(vocab_dir, "vocab.txt")
    with open(vocab_path, "w") as f:
        f.write("\n".join(VOCABULARY) + "\n")

    class Classifier(tf.Module):
        def __init__(self):
            super().__init__()
            init = tf.lookup.TextFileInitializer(vocab_path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
                                                 tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER)
            self.table = tf.lookup.StaticHashTable(init, default_value=0)
            normal = tf.random.stateless_normal
            self.embeddings = tf.Variable(normal([len(VOCABULARY), 8], seed=[SEED, 3]), name="embedding/embeddings")
            self.w1 = tf.Variable(normal([8, 16], seed=[SEED, 4]) * 0.5, name="hidden/kernel")
            self.b1 = tf.Variable(tf.zeros([16]), name="hidden/bias")
            self.w2 = tf.Variable(normal([16, 2], seed=[SEED, 5]) * 0.5, name="logits/kernel")
            self.b2 = tf.Variable(tf.zeros([2]), name="logits/bias")

        @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.string, name="text")])
        def serve(self, text):
            words = tf.strings.split(tf.strings.lower(tf.squeeze(text, 1)))
            ids = self.table.lookup(words)
            vectors = tf.ragged.map_flat_values(lambda i: tf.gather(self.embeddings, i), ids)
            pooled = tf.reduce_mean(vectors, axis=1)
            hidden = tf.nn.relu(tf.matmul(pooled, self.w1) + self.b1)
            logits = tf.nn.bias_add(tf.matmul(hidden, self.w2), self.b2)
            return {"probabilities": tf.nn.softmax(logits)}

    module = Classifier()
    tf.saved_model.save(module, out, signatures={"serving_default": module.serve})
    shutil.rmtree(vocab_dir, ignore_errors=True)
    return dict(api="tf.Module + lookup table from an asset file", head="logits", input_shape=[1],
                input_dtype="string", classes=2, texts=TEXTS[:2], asset="vocab.txt")


# ---------------------------------------------------------------------------------------------------------------


def write_reference(out, meta):
    """Calls the exported serving_default from Python on a fixed input and stores input and output."""
    loaded = tf.saved_model.load(out)
    fn = loaded.signatures["serving_default"]
    (input_name, spec), = fn.structured_input_signature[1].items()
    if meta.get("input_dtype") == "string":
        inputs = tf.constant([[t] for t in meta["texts"]])
    else:
        inputs = tf.constant(reference_input(meta["input_shape"], scale=meta.get("input_scale", 1.0)))
    outputs = fn(**{input_name: inputs})
    (output_name, value), = outputs.items()
    value = value.numpy().astype("<f4")
    if meta.get("input_dtype") != "string":
        inputs.numpy().astype("<f4").tofile(os.path.join(out, "reference_input.bin"))
    value.tofile(os.path.join(out, "reference_output.bin"))
    meta.update(signature_input=input_name, signature_output=output_name,
                reference_input_shape=list(inputs.shape), reference_output_shape=list(value.shape))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(FIXTURES)
    unknown = [n for n in names if n not in FIXTURES]
    if unknown:
        sys.exit(f"unknown fixture(s) {unknown}; known: {list(FIXTURES)}")
    os.makedirs(args.out, exist_ok=True)
    for name in names:
        started = time.time()
        target = os.path.join(args.out, name)
        tmp = target + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        seed()
        fn = FIXTURES[name]
        try:
            meta = fn(tmp, args.shared) if fn.__code__.co_argcount == 2 else fn(tmp)
        except FileNotFoundError as e:
            print(f"fixture {name}: SKIPPED: {e}", flush=True)
            shutil.rmtree(tmp, ignore_errors=True)
            continue
        meta.update(name=name, tensorflow=tf.__version__, keras=keras.__version__, seed=SEED)
        write_reference(tmp, meta)
        with open(os.path.join(tmp, "fixture.json"), "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        print(f"fixture {name}: {meta['api']} in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
