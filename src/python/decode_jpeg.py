"""Decodes JPEG files with tf.io.decode_jpeg (its defaults, channels as stored) for Graft's decoding test.

    python decode_jpeg.py OUT.bin FILE...

Writes every image's uint8 HWC pixels to OUT.bin, one after the other, and prints their shapes as JSON.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402


def main():
    out, files = sys.argv[1], sys.argv[2:]
    shapes = []
    with open(out, "wb") as f:
        for path in files:
            image = tf.io.decode_jpeg(tf.io.read_file(path)).numpy()
            f.write(image.tobytes())
            shapes.append(list(image.shape))
    print(json.dumps(shapes))


if __name__ == "__main__":
    main()
