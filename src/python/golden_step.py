"""One training step computed by TensorFlow and Keras, to check Graft's gradients and optimizer updates.

The starting weights are a Graft export (the source model plus Graft's initialised head). Python loads it
with tf.saved_model.load, prunes its graph to the head's logits, differentiates the mean softmax
cross-entropy of a batch with tf.GradientTape with respect to the chosen variables and applies one step of a
Keras optimizer. Every run starts again from the export's values; the updated values are written for the
Java side to compare with Graft's.
"""

import gc
import os

import numpy as np
import tensorflow as tf
import keras
from tensorflow.python.saved_model import loader_impl

import arrays


def _optimizer(spec):
    kind = spec["kind"]
    if kind == "sgd":
        return keras.optimizers.SGD(learning_rate=spec["learning_rate"], momentum=0.0)
    if kind == "adam":
        return keras.optimizers.Adam(learning_rate=spec["learning_rate"], beta_1=spec["beta_1"],
                                     beta_2=spec["beta_2"], epsilon=spec["epsilon"], amsgrad=False)
    raise ValueError(f"unknown optimizer {kind}")


def _input_tensor(export):
    meta = loader_impl.parse_saved_model(export).meta_graphs[0]
    (info,) = meta.signature_def["serving_default"].inputs.values()
    return info.name


def golden_steps(req):
    export = req["start"]
    loaded = tf.saved_model.load(export)
    forward = loaded.prune(_input_tensor(export), req["logits"])
    x = tf.constant(arrays.read(req["input"]))
    y = tf.constant(req["labels"], dtype=tf.int32)
    by_name = {v.name.split(":")[0]: v for v in loaded.variables}
    start = {name: v.numpy() for name, v in by_name.items()}
    results = []
    for run in req["runs"]:
        for name, v in by_name.items():
            v.assign(start[name])
        missing = [n for n in run["variables"] if n not in by_name]
        if missing:
            raise KeyError(f"variables {missing} are not among the export's {sorted(by_name)[:10]}...")
        variables = [by_name[n] for n in run["variables"]]
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(variables)
            logits = forward(x)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        gradients = tape.gradient(loss, variables)
        none = [n for n, g in zip(run["variables"], gradients) if g is None]
        if none:
            raise ValueError(f"TensorFlow finds no gradient for {none}")
        _optimizer(run["optimizer"]).apply_gradients(zip(gradients, variables))
        out = os.path.join(req["out"], run["name"])
        written = [arrays.write(v.numpy(), os.path.join(out, f"{i}.bin")) for i, v in enumerate(variables)]
        before = [arrays.write(start[n], os.path.join(out, f"{i}.start.bin")) for i, n in enumerate(run["variables"])]
        results.append({"name": run["name"], "loss": float(loss), "variables": written, "start": before,
                        "gradient_max_abs": [float(np.max(np.abs(g.numpy()))) for g in gradients]})
    del loaded, forward
    gc.collect()
    return {"runs": results}


# Ops that TensorFlow's C++ gradient registry lacks and Graft registers a gradient for (MissingGradients.java),
# each in a small loss as Python TensorFlow builds it: (loss, what to differentiate) from x and c.
def _ensure_shape(x, c, req):
    x = tf.constant(x)
    return lambda: tf.reduce_sum(c * tf.ensure_shape(x * x, x.shape)), x


def _resource_gather(x, c, req):
    params = tf.Variable(x)
    indices = tf.constant(req["indices"], dtype=tf.int64)
    return lambda: tf.reduce_sum(c * tf.square(tf.gather(params, indices))), params


OPS = {"EnsureShape": _ensure_shape, "ResourceGather": _resource_gather}


def op_gradient(req):
    """The gradient of a small loss around one op with respect to its input, as Python TensorFlow computes it."""
    loss, target = OPS[req["kind"]](arrays.read(req["x"]), tf.constant(arrays.read(req["c"])), req)
    with tf.GradientTape() as tape:
        tape.watch(target)
        value = loss()
    gradient = tf.convert_to_tensor(tape.gradient(value, target))
    return {"gradient": arrays.write(gradient.numpy(), os.path.join(req["out"], "gradient.bin"))}
