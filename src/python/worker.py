"""A long-lived Python TensorFlow process for the Java tests: one JSON request per line on stdin, one JSON
answer per line on the original stdout (everything else TensorFlow prints goes to stderr).

    {"op": "signature" | "check_export" | "golden_steps" | "op_gradient", ...}  ->  {"ok": true, ...} or {"ok": false, "error": ...}

Importing TensorFlow takes seconds; one worker serves a whole test class.
"""

import json
import os
import sys
import traceback

answers = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "0")

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

import check_export  # noqa: E402
import golden_step  # noqa: E402

HANDLERS = {
    "signature": check_export.signature_outputs,
    "check_export": check_export.check_export,
    "golden_steps": golden_step.golden_steps,
    "op_gradient": golden_step.op_gradient,
}


def main():
    answers.write(json.dumps({"ok": True, "ready": True,
                              "versions": f"tensorflow {tf.__version__}, keras {keras.__version__}"}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            answer = HANDLERS[request["op"]](request)
            answer["ok"] = True
        except Exception:  # the Java side fails the test with this text
            answer = {"ok": False, "error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
