"""Loads a drop-in and a raw-pixels Graft export with Python's SavedModel loader, beside their source model.

Arguments: source model, drop-in export, raw-pixels export, input key. Feeds the same random [0, 1] images to the
source's serving_default and to each export's 'original' signature, and those images (times 255 for the raw-pixels
export) to each export's serving_default; prints one JSON object with what came out.
"""
import json
import sys

import numpy as np
import tensorflow as tf

source, drop_in, raw_pixels, key = sys.argv[1:5]
x = np.random.RandomState(0).rand(6, 28, 28, 1).astype(np.float32)
want = tf.saved_model.load(source).signatures["serving_default"](**{key: tf.constant(x)})
report = {"sourceKeys": sorted(want.keys())}
for name, path, scale in (("drop-in", drop_in, 1.0), ("raw-pixels", raw_pixels, 255.0)):
    model = tf.saved_model.load(path)
    original = model.signatures["original"](**{key: tf.constant(x)})
    served = model.signatures["serving_default"](**{key: tf.constant(x * scale)})
    report[name] = {
        "originalKeys": sorted(original.keys()),
        "originalMaxDiff": max(float(np.abs(original[k].numpy() - want[k].numpy()).max()) for k in want.keys()),
        "probabilities": served["probabilities"].numpy().ravel().tolist(),
    }
print(json.dumps(report))
