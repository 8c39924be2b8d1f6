"""Python TensorFlow as the client of SavedModels: calls signatures, and checks Graft's exports.

The Java tests send requests through worker.py; each handler takes a dict and returns a dict of what it
measured, and the Java side asserts on it. Run one request by hand with

    python check_export.py request.json
"""

import gc
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

import arrays  # noqa: E402


def _single_input_key(fn):
    keys = list(fn.structured_input_signature[1].keys())
    if len(keys) != 1:
        raise ValueError(f"expected a signature with one input, found {keys}")
    return keys[0]


def signature_outputs(req):
    """Calls a signature of a SavedModel, as Python loads it, on the given inputs; writes every output."""
    loaded = tf.saved_model.load(req["model"])
    fn = loaded.signatures[req.get("signature", "serving_default")]
    inputs = {key: tf.constant(arrays.read(desc)) for key, desc in req["inputs"].items()}
    outputs = fn(**inputs)
    written = {key: arrays.write(value.numpy(), os.path.join(req["out"], f"{key}.bin"))
               for key, value in outputs.items()}
    del loaded, fn
    gc.collect()
    return {"outputs": written}


def _compare(outputs, expected):
    """What one client answered, next to what Graft's own predict answered."""
    probabilities = np.asarray(outputs["probabilities"])
    return {
        "probabilities_max_abs": float(np.max(np.abs(probabilities - expected["probabilities"]))),
        "probabilities_shape": list(probabilities.shape),
        "class_ids": [int(c) for c in np.asarray(outputs["class_ids"]).reshape(-1)],
        "labels": arrays.strings(outputs["labels"]),
    }


def _saved_model_client(export, key, x, expected):
    loaded = tf.saved_model.load(export)
    outputs = loaded.signatures["serving_default"](**{key: tf.constant(x)})
    result = _compare({k: v.numpy() for k, v in outputs.items()}, expected)
    result["variables"] = len(loaded.variables)
    return loaded, result


def _tfsm_layer_client(export, x, expected):
    layer = keras.layers.TFSMLayer(export, call_endpoint="serving_default")
    outputs = layer(tf.constant(x))
    result = _compare({k: v.numpy() for k, v in outputs.items()}, expected)
    result["weights"] = len(layer.weights)
    result["trainable_weights"] = len(layer.trainable_weights)
    del layer
    return result


def _convert(saved_model_dir):
    """TFLite flatbuffer of serving_default, with TensorFlow's own kernels (Flex ops) only where builtins fail."""
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=["serving_default"])
    try:
        return converter.convert(), None
    except Exception as e:  # string ops, lookup tables, stateless random ops: no TFLite builtin for them
        error = str(e).strip().splitlines()[-1][:500] if str(e).strip() else repr(e)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=["serving_default"])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
        return converter.convert(), error


def _flex_ops(model):
    """The TensorFlow ops a TFLite model runs through the Flex delegate, sorted."""
    from tensorflow.lite.python import schema_py_generated as schema
    parsed = schema.ModelT.InitFromPackedBuf(model, 0)
    codes = [c.customCode.decode() if isinstance(c.customCode, bytes) else c.customCode
             for c in parsed.operatorCodes if c.customCode]
    return sorted({c[len("Flex"):] for c in codes if c.startswith("Flex")})


def _tflite_client(export, key, x, expected, source):
    """Converts the export with TFLiteConverter and runs it in the TFLite interpreter.

    The interpreter of the tensorflow wheel has no Flex delegate: a model that needs TensorFlow's own ops is
    converted, and its Flex ops are compared with those the source model needs when it is converted the same way.
    """
    model, builtins_error = _convert(export)
    result = {"bytes": len(model), "select_tf_ops": builtins_error is not None}
    if builtins_error is not None:
        result["builtins_error"] = builtins_error
        result["flex_ops"] = _flex_ops(model)
        source_model, _ = _convert(source)
        result["source_flex_ops"] = _flex_ops(source_model)
        return result
    interpreter = tf.lite.Interpreter(model_content=model)
    runner = interpreter.get_signature_runner("serving_default")
    outputs = runner(**{key: x})
    result.update(_compare(outputs, expected))
    del interpreter, runner, model
    return result


def check_export(req):
    """Loads a Graft export three ways (SavedModel signature, Keras TFSMLayer, TFLite) on Java's inputs."""
    export = req["export"]
    key = req["input"]["key"]
    x = arrays.read(req["input"]["value"])
    expected = {"probabilities": arrays.read(req["expected"]["probabilities"])}
    loaded, saved = _saved_model_client(export, key, x, expected)
    result = {"saved_model": saved, "tfsm_layer": _tfsm_layer_client(export, x, expected)}
    if req.get("tflite", True):
        result["tflite"] = _tflite_client(export, key, x, expected, req["source"])
    original = req.get("original")
    if original:
        source = tf.saved_model.load(original["source"])
        source_fn = source.signatures["serving_default"]
        source_x = tf.constant(arrays.read(original["source_input"]))
        source_out = source_fn(**{_single_input_key(source_fn): source_x})
        value = source_out[original["source_output"]].numpy()
        # the kept signature takes what the source model took (past any scaling baked into serving_default) and
        # answers under the source model's own output names
        kept = loaded.signatures["original"](**{key: source_x})[original["source_output"]].numpy()
        result["original"] = {"max_abs": float(np.max(np.abs(value - kept))), "shape": list(kept.shape),
                              "source_shape": list(value.shape)}
        del source, source_fn
    del loaded
    gc.collect()
    return result


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        request = json.load(f)
    handler = {"signature": signature_outputs, "check_export": check_export}[request["op"]]
    print(json.dumps(handler(request), indent=2))
