"""Arrays exchanged with the Java tests: raw little-endian files described by JSON.

A descriptor is {"file": PATH, "dtype": "float32" | "int64" | "int32", "shape": [...]} for numbers,
or {"strings": [...], "shape": [...]} for UTF-8 strings.
"""

import os

import numpy as np

DTYPES = {"float32": "<f4", "int64": "<i8", "int32": "<i4"}


def read(desc):
    if "strings" in desc:
        values = np.array([s.encode("utf-8") for s in desc["strings"]], dtype=object)
        return values.reshape(desc["shape"])
    return np.fromfile(desc["file"], dtype=DTYPES[desc["dtype"]]).reshape(desc["shape"])


def write(array, path):
    """Writes a numeric array as a raw little-endian file; strings go inline."""
    array = np.asarray(array)
    if array.dtype == object or array.dtype.kind in "SU":
        flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in array.reshape(-1)]
        return {"strings": flat, "shape": list(array.shape)}
    kind = {"f": "float32", "i": "int64", "u": "int64", "b": "int32"}[array.dtype.kind]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    array.astype(DTYPES[kind]).tofile(path)
    return {"file": path, "dtype": kind, "shape": list(array.shape)}


def strings(array):
    """The elements of a string array as Python str, flattened."""
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.asarray(array).reshape(-1)]
