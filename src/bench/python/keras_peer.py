"""The Python Keras side of Graft's benchmark: the same jobs on the same backbones, images and settings.

Each model runs in its own process (its peak RSS and TensorFlow's thread pools are its own). For every model it
loads the SavedModel fixture's weights into the identical Keras model, checks the model against the fixture's
reference output, then times, with JPEG files read and decoded by a tf.data pipeline inside every timing:

  infer  backbone inference over the training images: model.predict on the tf.data pipeline, then
         --warm-passes more predicts over the same images (the warm row)
  head   head-only training: fit with the base frozen (trainable=False), the base recomputed every epoch;
         then accuracy and balanced accuracy on the validation images (not timed)
  last   fine-tuning of the last N backbone layers that own trainable weights (BN in inference mode)
  all    fine-tuning of every backbone layer (BN in inference mode)

Results go to stdout as `RESULT key=value` lines (the benchmark reads them); progress goes to stderr. With
--step-rss, each fine-tune also prints the process's RSS after every training step and the highest of a 5 ms
sampling during it (the counterpart of Graft's dev.graft.bench.StepMemory; its sampling thread stays out of the
benchmark's runs).

    python src/bench/python/keras_peer.py --fixtures target/python-fixtures \\
        --data ../shared/datasets/chest-xray-224 --threads 2,1 \\
        --model mobilenet_v2:cut=global_average_pooling2d,preprocess=symmetric,images=128,val=256,finetune=64,last=8

A --model is NAME:key=value,...; keys: cut (the Keras layer the new head reads), preprocess
(symmetric | unit | none), images, val, finetune (image counts; 0 = every image), last (N of `last`), finetune_epochs
(1 warm-up epoch plus the timed ones), rows (infer+head+last+all). Several --model options run one after the other,
each in a fresh process.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "0")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
ROWS = ("infer", "head", "last", "all")


def result(key, value):
    print(f"RESULT {key}={value}", flush=True)


def say(what):
    print(f"          keras: {what}", file=sys.stderr, flush=True)


def parse_model(text):
    name, _, rest = text.partition(":")
    spec = dict(name=name, cut=None, preprocess="symmetric", images=0, val=0, finetune=0, last=1, finetune_epochs=2,
                rows="+".join(ROWS))
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq or key not in spec or key == "name":
            sys.exit(f"--model {text}: '{item}' is not key=value with a key of {sorted(k for k in spec if k != 'name')}")
        spec[key] = value if key in ("cut", "preprocess", "rows") else int(value)
    if spec["cut"] is None:
        sys.exit(f"--model {text}: give cut=LAYER, the Keras layer whose output the new head reads")
    if spec["preprocess"] not in ("symmetric", "unit", "none"):
        sys.exit(f"--model {text}: preprocess must be symmetric, unit or none, got {spec['preprocess']}")
    unknown = [r for r in spec["rows"].split("+") if r not in ROWS]
    if unknown:
        sys.exit(f"--model {text}: unknown rows {unknown}; rows are {'+'.join(ROWS)}")
    if spec["finetune_epochs"] < 2:
        sys.exit(f"--model {text}: finetune_epochs must be >= 2 (one warm-up epoch, then the timed ones)")
    return spec


def image_files(folder):
    """(relative path, label) of every image: class folders sorted by name, files sorted within each (as Graft)."""
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and not d.startswith("."))
    files = []
    for label, name in enumerate(classes):
        found = []
        for root, _, names in os.walk(os.path.join(folder, name)):
            for f in names:
                if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith("."):
                    found.append(os.path.relpath(os.path.join(root, f), folder))
        files.extend((path, label) for path in sorted(found))
    return files, classes


def subset(files, n):
    """n images spread evenly over the sorted list (index i * total // n), so both classes are in it."""
    if n <= 0 or n >= len(files):
        return files
    return [files[i * len(files) // n] for i in range(n)]


def fingerprint(files):
    return hashlib.sha256("\n".join(p for p, _ in files).encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------------------------
# Models: the architecture of each fixture of src/python/make_fixtures.py, weights taken from its SavedModel


def architecture(name, keras):
    if name == "mobilenet_v2":
        return keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=1.0, weights=None, classes=10)
    if name == "efficientnet_b0":
        return keras.applications.EfficientNetB0(input_shape=(224, 224, 3), weights=None, classes=10)
    if name == "mobilenet_v1_025_pooled":
        base = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, include_top=False, weights=None)
        x = keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d")(base.output)
        outputs = keras.layers.Dense(1000, activation="softmax", name="predictions")(x)
        return keras.Model(base.input, outputs, name="mobilenet_v1_025_pooled")
    sys.exit(f"No Keras architecture for fixture '{name}'; known: mobilenet_v2, efficientnet_b0, "
             "mobilenet_v1_025_pooled")


_SAVED = {}


def saved_values(folder, tf):
    """The SavedModel's variable values by name (without ':0'), read once per process."""
    if folder not in _SAVED:
        _SAVED[folder] = {v.name.split(":")[0]: v.numpy() for v in tf.saved_model.load(folder).variables}
    return _SAVED[folder]


def load_fixture(fixtures, name, tf, keras, np):
    """The fixture's Keras model with the SavedModel's variable values, checked on its reference input."""
    folder = os.path.join(fixtures, name)
    with open(os.path.join(folder, "fixture.json")) as f:
        meta = json.load(f)
    # Layers without a given name are named by a process-wide counter: start it afresh, as the fixture script did,
    # so that every rebuilt model's weights carry the fixture's names.
    keras.backend.clear_session()
    model = architecture(name, keras)
    saved = saved_values(folder, tf)
    # The SavedModel also holds state that is no weight (the seed generators of Dropout layers): every weight must
    # come from it, and the reference output below shows that nothing else differs.
    missing = [w.path for w in model.weights if w.path not in saved]
    if missing:
        sys.exit(f"{folder}: {len(missing)} of the Keras model's {len(model.weights)} weights are not in the "
                 f"SavedModel (first {missing[:5]}); was the fixture made by another script?")
    for w in model.weights:
        w.assign(saved[w.path])
    x = np.fromfile(os.path.join(folder, "reference_input.bin"), "<f4").reshape(meta["reference_input_shape"])
    y = np.fromfile(os.path.join(folder, "reference_output.bin"), "<f4").reshape(meta["reference_output_shape"])
    diff = float(np.abs(model(x, training=False).numpy() - y).max())
    if diff > 1e-4:
        sys.exit(f"{folder}: the rebuilt Keras model differs from the fixture's reference output by {diff}")
    return model, diff


def backbone_of(model, cut, keras):
    """The model up to layer `cut`; an automatic name matches with the suffix Keras adds in a busy process (_1)."""
    names = [layer.name for layer in model.layers]
    found = [n for n in names if n == cut] or [n for n in names if re.fullmatch(re.escape(cut) + r"_\d+", n)]
    if len(found) != 1:
        sys.exit(f"cut={cut} names {len(found)} layers of {model.name}; its layers end with {names[-5:]}")
    return keras.Model(model.input, model.get_layer(found[0]).output, name=model.name + "_backbone")


def with_new_head(backbone, classes, seed, keras):
    """The backbone called in inference mode (BN uses its moving statistics, as Graft's default) and Dense(classes)."""
    inputs = keras.Input(backbone.input.shape[1:])
    features = backbone(inputs, training=False)
    outputs = keras.layers.Dense(classes, activation="softmax", name="new_head",
                                 kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(features)
    return keras.Model(inputs, outputs)


def trainable_layers(backbone):
    """Backbone layers that own trainable weights, input to output (Graft's layer list for last:N)."""
    return [layer for layer in backbone.layers if layer.trainable_weights]


# ---------------------------------------------------------------------------------------------------------------


def run_model(args, spec):
    import numpy as np
    import tensorflow as tf
    intra, inter = (int(v) for v in args.threads.split(","))
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    import keras
    keras.utils.set_random_seed(args.seed)

    result("python", sys.version.split()[0])
    result("tensorflow", tf.__version__)
    result("keras", keras.__version__)
    try:  # TensorFlow's own report of its oneDNN kernels (a module outside its public API)
        from tensorflow.python.util import _pywrap_util_port
        result("onednn", _pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        result("onednn", "unknown")
    result("threads", f"{tf.config.threading.get_intra_op_parallelism_threads()},"
                      f"{tf.config.threading.get_inter_op_parallelism_threads()}")
    result("pipeline", "tf.data: from_tensor_slices(paths, labels), shuffle(all, seed, reshuffle each epoch) for "
                       "training, map(read_file + decode_jpeg(channels=3) + cast float32 + scale, "
                       "num_parallel_calls=AUTOTUNE), batch, prefetch(AUTOTUNE)")

    train_dir = os.path.join(args.data, "train")
    val_dir = os.path.join(args.data, "val")
    all_train, classes = image_files(train_dir)
    train = subset(all_train, spec["images"])
    val = subset(image_files(val_dir)[0], spec["val"])
    tune = subset(all_train, spec["finetune"])
    result("train.images", len(train))
    result("train.fingerprint", fingerprint(train))
    result("val.images", len(val))
    result("val.fingerprint", fingerprint(val))
    result("finetune.images", len(tune))
    result("finetune.fingerprint", fingerprint(tune))

    scale = {"symmetric": (1 / 127.5, -1.0), "unit": (1 / 255.0, 0.0), "none": (1.0, 0.0)}[spec["preprocess"]]

    def load(path, label):
        image = tf.cast(tf.io.decode_jpeg(tf.io.read_file(path), channels=3), tf.float32)
        return image * scale[0] + scale[1], label

    def dataset(files, folder, batch, shuffle):
        paths = [os.path.join(folder, p) for p, _ in files]
        labels = np.array([label for _, label in files], dtype="int32")
        ds = tf.data.Dataset.from_tensor_slices((paths, labels))
        if shuffle:
            ds = ds.shuffle(len(paths), seed=args.seed, reshuffle_each_iteration=True)
        return ds.map(load, num_parallel_calls=tf.data.AUTOTUNE).batch(batch).prefetch(tf.data.AUTOTUNE)

    class EpochTimes(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

            self.cpu = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()
            self.cpu_started = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.started)
            self.cpu.append(time.process_time() - self.cpu_started)

    def fresh_backbone():
        model, diff = load_fixture(args.fixtures, spec["name"], tf, keras, np)
        result("fixture.max_abs_diff", f"{diff:.3g}")
        return backbone_of(model, spec["cut"], keras)

    class StepRss(keras.callbacks.Callback):
        """RSS after each training step, and the highest a 5 ms sampling saw since the line before."""

        def __init__(self, policy):
            super().__init__()
            self.policy = policy
            self.highest = 0
            self.lock = threading.Lock()
            self.done = threading.Event()
            self.sampler = threading.Thread(target=self.sample, daemon=True)

        def sample(self):
            while not self.done.wait(0.005):
                with self.lock:
                    self.highest = max(self.highest, current_rss())

        def report(self, when):
            with self.lock:
                highest, self.highest = self.highest, 0
            print(f"{when:<40} RSS {current_rss() / 2**20:.0f} MiB, highest since the line before "
                  f"{highest / 2**20:.0f} MiB", file=sys.stderr, flush=True)

        def on_train_begin(self, logs=None):
            self.report(f"{self.policy}: fit starts")
            self.sampler.start()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            self.report(f"epoch {self.epoch} step {batch + 1}")

        def on_train_end(self, logs=None):
            self.done.set()
            self.sampler.join()

    def compile_model(model, lr):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr, epsilon=1e-7),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    rows = spec["rows"].split("+")
    backbone = fresh_backbone()
    result("features", int(np.prod(backbone.output.shape[1:])))
    if "infer" in rows:
        def predict():
            return backbone.predict(dataset(train, train_dir, args.infer_batch, False).map(lambda x, y: x), verbose=0)

        say(f"{spec['name']}: predict over {len(train)} images")
        started, cpu = time.perf_counter(), time.process_time()
        features = predict()
        seconds = time.perf_counter() - started
        result("infer.cpu_seconds", time.process_time() - cpu)
        if features.shape[0] != len(train):
            sys.exit(f"predict returned {features.shape[0]} feature rows for {len(train)} images")
        result("infer.seconds", seconds)
        result("infer.ex_s", len(train) / seconds)
        # the same predict again, once tracing and TensorFlow's first run are paid (Graft's side: its feature pass)
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.warm_passes):
            predict()
        if args.warm_passes > 0:
            result("infer.warm.cpu_seconds", (time.process_time() - cpu) / args.warm_passes)
            result("infer.warm.ex_s", len(train) * args.warm_passes / (time.perf_counter() - started))

    if "head" in rows:
        say(f"{spec['name']}: head-only fit, {args.epochs} epochs on {len(train)} images")
        backbone.trainable = False
        model = with_new_head(backbone, len(classes), args.seed, keras)
        compile_model(model, args.head_lr)
        result("jit_compile", model.jit_compile)
        times = EpochTimes()
        started, cpu = time.perf_counter(), time.process_time()
        # The dataset shuffles itself each epoch (fit's shuffle does not apply to a tf.data.Dataset).
        model.fit(dataset(train, train_dir, args.batch, True), epochs=args.epochs, verbose=0, shuffle=False,
                  callbacks=[times])
        result("head.seconds", time.perf_counter() - started)
        result("head.cpu_seconds", time.process_time() - cpu)
        result("head.epoch_seconds", ";".join(f"{s:.3f}" for s in times.seconds))
        started = time.perf_counter()
        probabilities = model.predict(dataset(val, val_dir, args.infer_batch, False), verbose=0)
        result("head.val_seconds", time.perf_counter() - started)
        predicted = probabilities.argmax(axis=1)
        truth = np.array([label for _, label in val])
        result("head.val_acc", float((predicted == truth).mean()))
        recalls = [float((predicted[truth == c] == c).mean()) for c in range(len(classes)) if (truth == c).any()]
        result("head.val_balanced_acc", float(np.mean(recalls)))
        result("rss.peak_head", peak_rss())

    for policy in ("last", "all"):
        if policy not in rows:
            continue
        backbone = fresh_backbone()
        layers = trainable_layers(backbone)
        chosen = layers if policy == "all" else layers[-spec["last"]:]
        names = {layer.name for layer in chosen}
        for layer in backbone.layers:
            layer.trainable = layer.name in names
        model = with_new_head(backbone, len(classes), args.seed, keras)
        compile_model(model, args.lr)
        key = f"ft.{policy}"
        result(key + ".layers", ";".join(layer.name for layer in chosen))
        result(key + ".trainable_weights", len(model.trainable_weights))
        say(f"{spec['name']}: fine-tune {policy} ({len(chosen)} layers), {spec['finetune_epochs']} epochs on "
            f"{len(tune)} images")
        times = EpochTimes()
        callbacks = [times, StepRss(policy)] if args.step_rss else [times]
        model.fit(dataset(tune, train_dir, args.batch, True), epochs=spec["finetune_epochs"], verbose=0,
                  shuffle=False, callbacks=callbacks)
        timed = times.seconds[1:]
        result(key + ".epoch_seconds", ";".join(f"{s:.3f}" for s in times.seconds))
        result(key + ".ex_s", len(tune) / (sum(timed) / len(timed)))
        result(key + ".cpu_seconds", sum(times.cpu[1:]))
        result("rss.peak_" + policy, peak_rss())

    result("rss.peak", peak_rss())


def current_rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", required=True, help="folder of the Python-made fixtures (target/python-fixtures)")
    parser.add_argument("--data", required=True, help="folder with train/ and val/ class folders of JPEG images")
    parser.add_argument("--model", action="append", required=True, help="NAME:key=value,... (see above)")
    parser.add_argument("--threads", default="2,1", help="TensorFlow intra-op,inter-op threads (default 2,1)")
    parser.add_argument("--epochs", type=int, default=10, help="head-only epochs (default 10)")
    parser.add_argument("--batch", type=int, default=32, help="training batch size (default 32)")
    parser.add_argument("--infer-batch", type=int, default=64, help="batch size of predict (default 64, as Graft's "
                        "feature pass on 224x224 RGB images)")
    parser.add_argument("--head-lr", type=float, default=1e-2, help="Adam's learning rate of head-only training "
                        "(default 0.01)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate of fine-tuning (default 0.001)")
    parser.add_argument("--seed", type=int, default=42, help="seed of Keras, NumPy, Python and the shuffle")
    parser.add_argument("--warm-passes", type=int, default=2, help="predict passes after the timed first one, "
                        "for the warm inference row (default 2, as Graft's side)")
    parser.add_argument("--step-rss", action="store_true", help="print the RSS after every fine-tune step to stderr "
                        "(not for timed runs: it samples on a thread of its own)")
    args = parser.parse_args()
    specs = [parse_model(m) for m in args.model]
    if len(specs) == 1:
        run_model(args, specs[0])
        return
    for text in args.model:
        command = [sys.executable, os.path.abspath(__file__)] + [a for a in sys.argv[1:]]
        command = strip_models(command) + ["--model", text]
        print(f"== {text}", flush=True)
        code = subprocess.call(command)
        if code != 0:
            sys.exit(code)


def strip_models(argv):
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--model":
            skip = True
        elif not a.startswith("--model="):
            out.append(a)
    return out


if __name__ == "__main__":
    main()
