#!/usr/bin/env bash
# Makes the Python side of the tests ready: a virtual environment with the pinned TensorFlow of
# requirements.txt (installed once per machine into ~/.cache/graft/python-<hash>, reused afterwards),
# then the Python-made fixtures under TARGET/python-fixtures (rebuilt when the scripts change).
# Writes TARGET/python/python.properties for the Java tests: status=ready, or status=unavailable
# with the reason, which the tests print as one loud line when they skip.
#
#   bash src/python/bootstrap.sh target
set -u
here=$(cd "$(dirname "$0")" && pwd)
target=$(mkdir -p "${1:-target}" && cd "${1:-target}" && pwd)
shared=${GRAFT_SHARED:-$(cd "$here/../.." && pwd)/../shared}
props_dir=$target/python
props=$props_dir/python.properties
mkdir -p "$props_dir"

unavailable() {
  printf 'status=unavailable\nreason=%s\n' "$1" > "$props"
  echo "PYTHON TESTS WILL SKIP: $1" >&2
  exit 0
}

if [ "${GRAFT_PYTHON:-}" = "off" ]; then
  unavailable "GRAFT_PYTHON=off was set"
fi
base_python=${GRAFT_BASE_PYTHON:-python3}
command -v "$base_python" >/dev/null 2>&1 || unavailable "no $base_python on PATH to create the virtual environment"

req_hash=$(sha256sum "$here/requirements.txt" | cut -c1-12)
env=${GRAFT_PYTHON_ENV:-$HOME/.cache/graft/python-$req_hash}
if [ ! -f "$env/.complete" ]; then
  echo "Installing Python TensorFlow ($(grep -v '^#' "$here/requirements.txt" | tr '\n' ' ')) into $env (once per machine, a few minutes)" >&2
  rm -rf "$env"
  mkdir -p "$(dirname "$env")"
  started=$(date +%s)
  if ! "$base_python" -m venv "$env" >"$props_dir/install.log" 2>&1; then
    rm -rf "$env"
    unavailable "could not create a virtual environment with $base_python (see $props_dir/install.log)"
  fi
  if ! timeout 1500 "$env/bin/pip" install --disable-pip-version-check -q -r "$here/requirements.txt" \
      >>"$props_dir/install.log" 2>&1; then
    rm -rf "$env"
    unavailable "pip could not install $here/requirements.txt (PyPI unreachable? see $props_dir/install.log)"
  fi
  touch "$env/.complete"
  echo "Python TensorFlow installed in $(( $(date +%s) - started )) s" >&2
fi
python=$env/bin/python
versions=$("$python" -c 'import os; os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"; import tensorflow as tf, keras; print(f"tensorflow {tf.__version__}, keras {keras.__version__}")' 2>/dev/null) \
  || unavailable "the environment $env does not import tensorflow; delete it to reinstall"

fixtures=$target/python-fixtures
stamp=$(cat "$here/make_fixtures.py" "$here/requirements.txt" | sha256sum | cut -c1-16)
[ -f "$shared/weights/mobilenet_2_5_224_tf_no_top.h5" ] && stamp="$stamp-weights" || stamp="$stamp-noweights"
if [ "$(cat "$fixtures/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "Writing the Python-made fixtures into $fixtures ($versions)" >&2
  rm -rf "$fixtures"
  mkdir -p "$fixtures"
  if ! PYTHONHASHSEED=0 "$python" "$here/make_fixtures.py" --out "$fixtures" --shared "$shared" \
      >"$props_dir/fixtures.log" 2>&1; then
    tail -20 "$props_dir/fixtures.log" >&2
    echo "make_fixtures.py failed; see $props_dir/fixtures.log" >&2
    exit 1
  fi
  grep '^fixture ' "$props_dir/fixtures.log" >&2
  echo "$stamp" > "$fixtures/.stamp"
fi
{
  echo "status=ready"
  echo "python=$python"
  echo "fixtures=$fixtures"
  echo "scripts=$here"
  echo "versions=$versions"
} > "$props"
echo "Python side ready: $versions" >&2
