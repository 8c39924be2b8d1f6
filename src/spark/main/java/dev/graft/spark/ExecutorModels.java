package dev.graft.spark;

import dev.graft.error.GraftException;
import dev.graft.extract.FeatureExtractor;
import dev.graft.extract.FeatureOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;

/**
 * The models of this JVM: each (folder, options) is loaded once, on first use by a task, and shared by every task
 * of the executor afterwards, as loading costs about a second each time.
 */
final class ExecutorModels {

  private record Key(Path dir, FeatureOptions options) {}

  private static final Map<Key, FeatureExtractor> MODELS = new ConcurrentHashMap<>();
  private static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

  private ExecutorModels() {}

  /**
   * The model for the running task: loaded now if this JVM has not loaded it yet, with TensorFlow's intra-op
   * threads set to {@code spark.task.cpus} and its inter-op threads to the tasks this executor runs at once.
   *
   * @throws GraftException with the message a single machine gives, plus where it ran and how to ship a model when
   *     the folder is missing on this executor
   */
  static FeatureExtractor get(String modelPath, FeatureOptions options) {
    Path dir = resolve(modelPath);
    int taskCpus = taskCpus();
    FeatureOptions threaded = options.toBuilder().optThreads(taskCpus, Math.max(1, executorCores() / taskCpus))
        .build();
    try {
      return MODELS.computeIfAbsent(new Key(dir, threaded), key -> {
        LOADS.incrementAndGet();
        return FeatureExtractor.open(key.dir(), key.options());
      });
    } catch (GraftException e) {
      if (Files.isDirectory(dir)) {
        throw e;
      }
      String name = dir.getFileName() == null ? "model" : dir.getFileName().toString();
      throw new GraftException(e.settingMessage().around("", " (Checked on executor " + executorId() + ". A folder "
          + "on the driver's disk reaches the executors with spark-submit --archives model.zip#" + name + ", or put it "
          + "on a path every node reads.)"), e);
    }
  }

  /**
   * The folder to load: one shipped to the executors under the folder's name ({@code --archives model.zip#NAME})
   * when there is one, else the path as given.
   */
  static Path resolve(String modelPath) {
    Path given = Path.of(modelPath);
    String name = given.getFileName() == null ? "" : given.getFileName().toString();
    if (SparkEnv.get() != null && !name.isEmpty()) {
      Path shipped = Path.of(SparkFiles.get(name));
      if (Files.isRegularFile(shipped.resolve("saved_model.pb"))) {
        return shipped;
      }
    }
    return given;
  }

  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    String host = System.getenv().getOrDefault("SPARK_LOCAL_IP", "");
    try {
      host = host.isEmpty() ? java.net.InetAddress.getLocalHost().getHostName() : host;
    } catch (java.net.UnknownHostException e) {
      host = "unknown host";
    }
    return (env == null ? "?" : env.executorId()) + " on " + host;
  }

  /** {@code spark.task.cpus} of the running task, or of the session when called outside a task. */
  private static int taskCpus() {
    TaskContext task = TaskContext.get();
    if (task != null) {
      return Math.max(1, task.cpus());
    }
    SparkEnv env = SparkEnv.get();
    return env == null ? 1 : Math.max(1, env.conf().getInt("spark.task.cpus", 1));
  }

  /** Cores of this executor: {@code spark.executor.cores}, local[N]'s N, or the machine's. */
  static int executorCores() {
    SparkEnv env = SparkEnv.get();
    int machine = Runtime.getRuntime().availableProcessors();
    if (env == null) {
      return machine;
    }
    if (env.conf().contains("spark.executor.cores")) {
      return env.conf().getInt("spark.executor.cores", machine);
    }
    String master = env.conf().get("spark.master", "");
    java.util.regex.Matcher local = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(master);
    if (local.matches()) {
      return local.group(1).equals("*") ? machine : Integer.parseInt(local.group(1));
    }
    return master.equals("local") ? 1 : machine;
  }

  /** Closes every model this JVM loaded; call only when no job is running (local mode, after the work). */
  static void closeAll() {
    List<FeatureExtractor> loaded = new ArrayList<>(MODELS.values());
    MODELS.clear();
    loaded.forEach(FeatureExtractor::close);
  }

  /** Models this JVM has loaded so far (for tests). */
  static int loads() {
    return LOADS.get();
  }
}
