#!/usr/bin/env bash
# Executes the Java notebooks of notebooks/ top to bottom and saves them with their outputs in place.
# Exits non-zero when any cell of any notebook fails. CI runs it after the tests.
#
#   notebooks/run.sh                                 every notebook
#   notebooks/run.sh notebooks/02-serving.ipynb      only these
#
# What it needs, and installs when missing:
#   - Jupyter's notebook runner from Debian's packages (jupyter-nbconvert, jupyter-client, python3-nbclient),
#     run with Debian's /usr/bin/python3 (not a pyenv or virtualenv python);
#   - the Java kernel io.github.padreati:rapaio-jupyter-kernel from Maven Central (its classes target Java 17);
#   - target/graft.jar and target/lib/ (mvn package), which the kernel gets on its classpath.
# The kernel's spec lives in target/notebooks/kernels/ and is found through JUPYTER_PATH; nothing is
# installed into the user's own Jupyter folders. When the command that installs Jupyter is refused (no
# root, no sudo, or apt-get fails), the notebooks are skipped with a loud message and the script exits 0.
set -euo pipefail
requested=()
for nb in "$@"; do
  [ -f "$nb" ] || { echo "notebooks: no notebook $nb" >&2; exit 2; }
  requested+=("$(realpath "$nb")")
done
cd "$(dirname "$0")/.."
repo=$PWD

python=/usr/bin/python3
kernel_artifact=io.github.padreati:rapaio-jupyter-kernel:3.0.1
kernel_jar_name=rapaio-jupyter-kernel-3.0.1.jar
# The notebooks' kernelspec name: the one rapaio's own installer uses, so they also open in a Jupyter
# where that kernel is installed. JUPYTER_PATH puts this script's spec first.
kernel_name=rapaio-jupyter-kernel
home=$repo/target/notebooks
# rapaio 3.0.1 now and then never sees a request that reached its socket (here on about one start in
# five, from the very first request on), and once in a while its process ends right after binding its
# sockets, before it answers the first request ("Kernel died before replying to kernel_info"). Such a
# run stops and starts over in a fresh kernel; the failed try's log is kept as
# target/notebooks/NAME.log.tryN.
attempts=4

say() { echo "notebooks: $*"; }

skip_loudly() {
  local banner
  banner=$(printf '%.0s#' {1..100})
  for stream in 1 2; do
    {
      echo "$banner"
      echo "# NOTEBOOKS SKIPPED: $1"
      echo "# Jupyter could not be installed, so notebooks/*.ipynb were NOT executed."
      echo "# Install it with: apt-get install jupyter-nbconvert jupyter-client python3-nbclient"
      echo "$banner"
    } >&"$stream"
  done
  exit 0
}

jupyter_present() {
  [ -x "$python" ] && PYTHONNOUSERSITE=1 PYTHONPATH= "$python" -c 'import nbconvert, nbclient, nbformat, jupyter_client' 2>/dev/null
}

install_jupyter() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      skip_loudly "installing Jupyter needs root or password-less sudo, and this user ($(id -un)) has neither"
    fi
  fi
  say "installing Jupyter from Debian's packages (apt-get)"
  if ! "${sudo[@]}" apt-get update -q >"$home/apt.log" 2>&1 \
      || ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
        python3 jupyter-core jupyter-nbconvert jupyter-client python3-nbclient fonts-dejavu-core \
        >>"$home/apt.log" 2>&1; then
    tail -n 20 "$home/apt.log" >&2
    skip_loudly "apt-get failed (log above and in $home/apt.log)"
  fi
  jupyter_present || { echo "notebooks: Jupyter was installed but $python cannot import nbconvert" >&2; exit 1; }
}

mkdir -p "$home"
jupyter_present || install_jupyter
say "$("$python" -c 'import nbconvert, nbclient, jupyter_client as c;
print(f"nbconvert {nbconvert.__version__}, nbclient {nbclient.__version__}, jupyter_client {c.__version__}")')"

say "building target/graft.jar (mvn package -DskipTests)"
if ! mvn -q -B -ntp package -DskipTests >"$home/build.log" 2>&1; then
  cat "$home/build.log" >&2
  echo "notebooks: the build failed (log above)" >&2
  exit 1
fi

if [ ! -f "$home/$kernel_jar_name" ]; then
  say "fetching $kernel_artifact from Maven Central"
  if ! mvn -q -B -ntp -N org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
      -Dartifact="$kernel_artifact" -DoutputDirectory="$home" >"$home/kernel-fetch.log" 2>&1; then
    cat "$home/kernel-fetch.log" >&2
    echo "notebooks: could not fetch $kernel_artifact (log above)" >&2
    exit 1
  fi
fi

# The kernel's classpath: the project jar and its dependencies, ';'-separated as the kernel expects.
classpath=$repo/target/graft.jar
for jar in "$repo"/target/lib/*.jar; do
  classpath="$classpath;$jar"
done
java_bin=$(command -v java)
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java_bin=$JAVA_HOME/bin/java
mkdir -p "$home/kernels/$kernel_name"
KERNEL_JAVA=$java_bin KERNEL_JAR=$home/$kernel_jar_name KERNEL_CP=$classpath KERNEL_HOME=$home \
  "$python" - "$home/kernels/$kernel_name/kernel.json" <<'EOF'
import json, os, sys
spec = {
    "argv": [os.environ["KERNEL_JAVA"], "-Xmx4g", "-Djava.awt.headless=true",
             "-jar", os.environ["KERNEL_JAR"], "{connection_file}"],
    "display_name": "Java (rjk 3.0.1, Graft)",
    "language": "java",
    "interrupt_mode": "message",
    "env": {
        "RJK_CLASSPATH": os.environ["KERNEL_CP"],
        "RJK_COMPILER_OPTIONS": "",
        "RJK_INIT_SCRIPT": "",
        "RJK_TIMEOUT_MILLIS": "-1",
        "RJK_MIMA_CACHE": os.path.join(os.environ["KERNEL_HOME"], "mima_cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    },
}
with open(sys.argv[1], "w") as f:
    json.dump(spec, f, indent=2)
EOF
# Jupyter's search path starts with this script's kernel spec; its config and runtime files stay in
# target/notebooks, and Debian's python sees neither PYTHONPATH nor the user's own site-packages.
export JUPYTER_PATH=$home${JUPYTER_PATH:+:$JUPYTER_PATH}
export JUPYTER_CONFIG_DIR=$home/config JUPYTER_RUNTIME_DIR=$home/runtime PYTHONNOUSERSITE=1
unset PYTHONPATH

if [ ${#requested[@]} -gt 0 ]; then
  notebooks=("${requested[@]}")
else
  notebooks=(notebooks/*.ipynb)
fi

failed=0
for nb in "${notebooks[@]}"; do
  log=$home/$(basename "$nb" .ipynb).log
  nb=$(realpath --relative-to="$repo" "$nb")
  start=$(date +%s)
  result=failed
  rm -f "$log" "$log".try*
  for ((try = 1; try <= attempts; try++)); do
    if "$python" -m nbconvert --to notebook --execute --inplace \
        --ExecutePreprocessor.kernel_name="$kernel_name" \
        --ExecutePreprocessor.timeout=600 \
        --ExecutePreprocessor.startup_timeout=90 \
        --ExecutePreprocessor.record_timing=False \
        "$nb" >"$log" 2>&1; then
      result=ok
      break
    fi
    if grep -q -E "Kernel didn't respond|CellTimeoutError|Kernel died before replying to kernel_info" "$log" \
        && [ "$try" -lt "$attempts" ]; then
      mv "$log" "$log.try$try"
      say "$nb: the kernel stopped answering or died starting (try $try of $attempts, log $log.try$try); running the notebook again in a fresh kernel"
      continue
    fi
    break
  done
  seconds=$(($(date +%s) - start))
  if [ "$result" = ok ]; then
    summary=$("$python" - "$nb" <<'EOF'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
code = [c for c in nb.cells if c.cell_type == "code"]
outputs = [o for c in code for o in c.get("outputs", [])]
images = sum(1 for o in outputs if "image/png" in o.get("data", {}))
errors = sum(1 for o in outputs if o.get("output_type") == "error")
print(f"{len(code)} code cells, {images} images, {errors} errors")
EOF
)
    say "$nb: executed in ${seconds}s with no error ($summary); outputs saved in place"
  else
    failed=$((failed + 1))
    echo "notebooks: $nb FAILED after ${seconds}s; the end of its log ($log):" >&2
    grep -v '^\[20[0-9-]* [0-9:]*\] \[INFO' "$log" | tail -n 40 >&2 || true
  fi
done

if [ "$failed" -gt 0 ]; then
  echo "notebooks: $failed of ${#notebooks[@]} notebooks failed" >&2
  exit 1
fi
say "all ${#notebooks[@]} notebooks executed"
