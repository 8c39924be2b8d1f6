#!/usr/bin/env bash
# A real Spark standalone cluster on 127.0.0.1, started from the Maven jars: a Master, a Worker (2 cores), and
# spark-submit of target/graft-spark.jar running 'retrain' (featurize -> train -> export) on a small folder of
# chest X-rays with one corrupt image and --skip-bad. Checks the feature table's row count (read back by Spark)
# and the export (evaluated by the single-machine graft.jar). protobuf-java 2.5.0 goes on the cluster's class
# path ahead of everything, as a Spark distribution with Hive puts it: the shaded jar must not care.
# Bounded in time; stops what it started. Skips (exit 0, one loud line) without the shared data or the fixture.
#
#   bash .ci/spark-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=${GRAFT_SHARED:-$root/../shared}
xrays=$shared/datasets/chest-xray-224/train
model=$root/target/python-fixtures/mobilenet_v1_025_pooled
for need in "$xrays" "$model"; do
  if [ ! -d "$need" ]; then
    echo "*** SPARK CLUSTER CHECK SKIPPED: $need is missing (run 'mvn test' first for the fixture)" >&2
    exit 0
  fi
done
export SPARK_LOCAL_IP=127.0.0.1 TF_CPP_MIN_LOG_LEVEL=2
work=$(mktemp -d "${TMPDIR:-/tmp}/graft-spark-cluster.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [ -n "${GRAFT_KEEP_CLUSTER_LOGS:-}" ] && echo "logs kept in $work" >&2 && return
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -f target/graft-spark.jar ] || [ ! -f target/graft.jar ] \
    || [ -n "$(find src pom.xml -newer target/graft-spark.jar -print -quit)" ]; then
  echo "building target/graft-spark.jar and target/graft.jar (mvn package -Pspark)" >&2
  mvn -B -ntp -q package -DskipTests -Pspark -pl src/spark,src/cli -am
fi
# the library's jar and lib/ stay free of Spark; the Spark jar carries no Jackson, SLF4J or unrelocated protobuf
if unzip -l target/graft.jar | grep -q 'dev/graft/spark/' || ls target/lib | grep -qE '^spark-|^scala-library'; then
  echo "target/graft.jar or target/lib holds Spark classes or jars" >&2; exit 1
fi
if unzip -l target/graft-spark.jar | grep -qE ' (com/google/protobuf|com/google/common|com/fasterxml|org/slf4j)/'; then
  echo "target/graft-spark.jar holds unrelocated protobuf or Guava, or Jackson or SLF4J" >&2; exit 1
fi

# SPARK_HOME from the Maven jars: jars/ holds links to Spark's own jars (spark-sql and spark-mllib at the versions the
# build compiles against, resolved by a throwaway pom of their own, as a Spark distribution ships them), protobuf
# 2.5.0 first
spark_version=$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' pom.xml | head -1)
scala_version=$(sed -n 's:.*<scala.binary.version>\(.*\)</scala.binary.version>.*:\1:p' pom.xml | head -1)
mkdir -p "$work/distribution"
cat > "$work/distribution/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.check</groupId>
  <artifactId>spark-distribution</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.spark</groupId>
      <artifactId>spark-sql_$scala_version</artifactId>
      <version>$spark_version</version>
      <exclusions><exclusion><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId></exclusion></exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.spark</groupId>
      <artifactId>spark-mllib_$scala_version</artifactId>
      <version>$spark_version</version>
      <exclusions><exclusion><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId></exclusion></exclusions>
    </dependency>
  </dependencies>
</project>
POM
mvn -B -ntp -q -f "$work/distribution/pom.xml" dependency:build-classpath -DexcludeArtifactIds=protobuf-java \
  -Dmdep.outputFile="$work/classpath.txt"
mvn -B -ntp -q -N dependency:copy -Dartifact=com.google.protobuf:protobuf-java:2.5.0 -DoutputDirectory="$work/old" \
  || { echo "*** could not fetch protobuf-java 2.5.0; the cluster runs without it" >&2; mkdir -p "$work/old"; }
# Spark's own logging binding, which the build keeps off the test class path
mvn -B -ntp -q -N dependency:copy -Dartifact=org.apache.logging.log4j:log4j-slf4j2-impl:2.24.3 \
  -DoutputDirectory="$work/logging"
mkdir -p "$work/spark/jars" "$work/spark/conf"
for jar in "$work"/old/*.jar "$work"/logging/*.jar $(tr ':' ' ' < "$work/classpath.txt"); do
  ln -s "$jar" "$work/spark/jars/"
done
# SPARK_SCALA_VERSION: the launcher that builds executor commands looks for a source build without it
export SPARK_HOME=$work/spark SPARK_SCALA_VERSION=2.13
jars="$SPARK_HOME/jars/*"
if ls "$SPARK_HOME/jars" | grep -qE '^(tensorflow|javacpp|protobuf-java-3)'; then
  echo "the cluster's class path holds TensorFlow or a new protobuf: the check would prove nothing" >&2; exit 1
fi
echo "cluster  SPARK_HOME $SPARK_HOME with $(ls "$SPARK_HOME/jars" | wc -l) Maven jars (protobuf-java 2.5.0 first)" >&2

# data: 20 images a class and one file that is no image
mkdir -p "$work/data/NORMAL" "$work/data/PNEUMONIA"
for cls in NORMAL PNEUMONIA; do
  find "$xrays/$cls" -maxdepth 1 -name '*.jpeg' | sort | sed -n 1,20p | xargs -I{} cp {} "$work/data/$cls/"
done
echo "not an image" > "$work/data/PNEUMONIA/corrupt.jpeg"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
master_port=$(free_port)
wait_for() {  # file, text, seconds
  for _ in $(seq 1 "$3"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 1; done
  echo "timed out waiting for '$2' in $1:" >&2; tail -20 "$1" >&2; return 1
}
java -Xmx512m -cp "$jars" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$master_port" \
  --webui-port "$(free_port)" > "$work/master.log" 2>&1 &
pids+=($!)
wait_for "$work/master.log" "I have been elected leader" 90
java -Xmx512m -cp "$jars" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 2 --memory 3g \
  --webui-port "$(free_port)" --work-dir "$work/worker" "spark://127.0.0.1:$master_port" > "$work/worker.log" 2>&1 &
pids+=($!)
wait_for "$work/worker.log" "Successfully registered with master" 90
echo "cluster  master spark://127.0.0.1:$master_port, worker with 2 cores" >&2

started=$(date +%s)
timeout 600 java -Xmx2g -cp "$jars" org.apache.spark.deploy.SparkSubmit --master "spark://127.0.0.1:$master_port" \
  --conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=2g --conf spark.executor.cores=2 \
  target/graft-spark.jar retrain --model "$model" --data "$work/data" --preprocess symmetric --skip-bad \
  --feature-batch 8 --epochs 3 --out "$work/out" > "$work/submit.log" 2> "$work/submit.err" \
  || { echo "spark-submit failed:" >&2; cat "$work/submit.log" >&2; tail -40 "$work/submit.err" >&2; exit 1; }
cat "$work/submit.log"
echo "cluster  retrain took $(( $(date +%s) - started )) s" >&2

grep -q "skipped  1 unreadable images, the first: $work/data/PNEUMONIA/corrupt.jpeg: " "$work/submit.log" \
  || { echo "the corrupt image was not reported as skipped" >&2; exit 1; }
grep -q "^shipped  the model mobilenet_v1_025_pooled to the executors" "$work/submit.log" \
  || { echo "the model was not shipped to the executors" >&2; exit 1; }
rows=$(java -cp "$jars" .ci/ParquetRows.java "$work/out/features-v1" 2>/dev/null | tail -1)
[ "$rows" = "40" ] || { echo "the feature table has $rows rows, expected 40" >&2; exit 1; }
echo "check    feature table: $rows rows (40 images, 1 corrupt file skipped)"
[ -f "$work/out/1/saved_model.pb" ] && [ -f "$work/out/1/assets/labels.txt" ] \
  || { echo "no export in $work/out/1" >&2; exit 1; }
java -jar target/graft.jar evaluate --model "$work/out/1" --data "$work/data" --skip-bad > "$work/evaluate.log" 2>&1 \
  || { echo "graft evaluate could not use the export:" >&2; cat "$work/evaluate.log" >&2; exit 1; }
echo "check    the export, evaluated by graft.jar on one machine: $(grep -m1 -i accuracy "$work/evaluate.log")"
echo "spark cluster check passed"
