"""Loads a SavedModel with Python TensorFlow and runs its serving signature on raw inputs.

    python serve_export.py EXPORT INPUT.bin N H W C OUTPUT.bin

INPUT.bin holds N*H*W*C little-endian float32 values; OUTPUT.bin receives the 'probabilities' output as
little-endian float32. Prints one JSON line: the signature's input and output keys and the 'labels' output.
"""
import json
import sys

import numpy as np
import tensorflow as tf


def main():
    export, inputs, n, h, w, c, output = sys.argv[1:8]
    shape = (int(n), int(h), int(w), int(c))
    x = np.fromfile(inputs, dtype="<f4").reshape(shape)
    model = tf.saved_model.load(export)
    signature = model.signatures["serving_default"]
    _, kwargs = signature.structured_input_signature
    (key,) = kwargs.keys()
    result = signature(**{key: tf.constant(x)})
    result["probabilities"].numpy().astype("<f4").tofile(output)
    print(json.dumps({
        "inputs": sorted(kwargs.keys()),
        "outputs": sorted(result.keys()),
        "labels": [v.decode("utf-8") for v in result["labels"].numpy()],
        "class_ids": [int(v) for v in result["class_ids"].numpy()],
    }))


if __name__ == "__main__":
    main()
