"""Runs Graft exports with Python TensorFlow, as a Python client of the exported SavedModel would.

    python predict_exports.py EXPORT INPUT.bin D0,D1,... OUTPUT.bin [EXPORT INPUT.bin SHAPE OUTPUT.bin ...]

For each export: tf.saved_model.load(EXPORT).signatures["serving_default"] is called on the little-endian float32
values of INPUT.bin (shape D0,D1,...), and its "probabilities" output is written to OUTPUT.bin as little-endian
float32. One Python process serves every export, so TensorFlow is imported once.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(args):
    if len(args) == 0 or len(args) % 4 != 0:
        sys.exit(__doc__)
    for i in range(0, len(args), 4):
        export, source, shape, target = args[i:i + 4]
        dims = [int(d) for d in shape.split(",")]
        values = np.fromfile(source, dtype="<f4").reshape(dims)
        fn = tf.saved_model.load(export).signatures["serving_default"]
        (name, _), = fn.structured_input_signature[1].items()
        probabilities = fn(**{name: tf.constant(values)})["probabilities"].numpy()
        probabilities.astype("<f4").tofile(target)
        print(f"{export}: {list(probabilities.shape)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
