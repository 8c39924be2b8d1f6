package dev.graft.cli;

import dev.graft.data.spec.DataSpec;
import dev.graft.data.transform.Preprocessing;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.train.CheckpointFolder;
import dev.graft.train.FreezePolicy;
import dev.graft.train.LrSchedule;
import dev.graft.train.OptimizerSpec;
import dev.graft.graph.Pooling;
import dev.graft.train.Monitor;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Every option of {@code graft retrain} checked and turned into the library's values before anything is loaded:
 * a bad value or a conflict is a usage error (exit 2) named by its option, and a checkpoint or version folder that
 * must not be touched is refused (exit 1) before the first minute of work.
 *
 * @param load how the model is loaded (tag, signature, thread pools)
 * @param preprocess the scaling asked for, or null for the default (chosen once the model and data are known)
 * @param pooling how a feature map at the cut becomes a feature vector
 * @param config the training configuration
 * @param contract what the export's input takes
 * @param warnings options that have no effect as given, to print before the run
 */
record RetrainPlan(LoadedModel.LoadOptions load, Preprocessing preprocess, Pooling pooling, TrainConfig config,
    ExportOptions.InputContract contract, List<String> warnings) {

  /** Checks {@code c}'s options; {@code progress} reports training progress. */
  static RetrainPlan of(RetrainCommand c, TrainingListener progress) {
    CommandLine cli = c.spec.commandLine();
    List<String> warnings = new ArrayList<>();
    conflicts(c, cli, warnings);
    LoadedModel.LoadOptions load = parse(cli, "--threads", () -> {
      LoadedModel.LoadOptions options = new LoadedModel.LoadOptions(c.tag, c.signature);
      if (c.threads == null) {
        return options;
      }
      if (c.threads.length > 2) {
        throw new IllegalArgumentException("--threads takes INTRA or INTRA,INTER, got " + c.threads.length + " values");
      }
      return options.withThreads(c.threads[0], c.threads.length > 1 ? c.threads[1] : 0);
    });
    Preprocessing preprocess = c.preprocess == null || c.preprocess.equals("auto") ? null
        : parse(cli, "--preprocess", () -> Preprocessing.parse(c.preprocess));
    Pooling pooling = parse(cli, "--pool", () -> Pooling.parse(c.pool));
    ExportOptions.InputContract contract = parse(cli, "--export-input",
        () -> ExportOptions.InputContract.parse(c.exportInput));
    parse(cli, "--hidden", () -> HeadSpec.builder().setNumClasses(2).optHidden(c.hidden == null ? List.of() : c.hidden)
        .optDropout(c.dropout).build());
    parse(cli, "--data", () -> DataSpec.parse(c.data));
    for (String spec : new String[] {c.valData, c.testData}) {
      if (spec != null) {
        parse(cli, spec == c.valData ? "--val-data" : "--test-data", () -> DataSpec.parse(spec));
      }
    }
    if (!(c.valSplit >= 0 && c.valSplit < 1)) {
      throw usage(cli, "--val-split must be in [0, 1) (a fraction of each class held out), got " + c.valSplit);
    }
    if (c.version < 0) {
      throw usage(cli, "--version must be a positive integer (0 = the next free one), got " + c.version);
    }
    TrainConfig config = parse(cli, "training option", () -> TrainConfig.builder().setEpochs(c.epochs)
        .optBatchSize(c.batchSize).optLearningRate(c.lr).optOptimizer(OptimizerSpec.parse(c.optimizer))
        .optSchedule(LrSchedule.parse(c.schedule)).optFreeze(FreezePolicy.parse(c.train))
        .optUnfreezeEvery(c.unfreezeEvery).optBackboneLrMult(c.backboneLrMult).optLabelSmoothing(c.labelSmoothing)
        .optClassWeights(c.classWeights).optSeed(c.seed).optPatience(c.patience).optMonitor(Monitor.parse(c.monitor))
        .optFeatureCache(!c.noCache).optBatchNormTraining(c.bnTrain).optBatchNormMomentum(c.bnMomentum)
        .optSkipBad(c.skipBad).optPrefetch(c.prefetch).optCheckpointDir(c.checkpoint).optResume(c.resume)
        .optWarmupEpochs(c.warmupEpochs).optFineTuneLr(c.fineTuneLr)
        .optCacheMemory(c.cacheMemory >= 0 ? c.cacheMemory << 20 : TrainConfig.builder().build().cacheMemory())
        .addListener(progress).build());
    if (c.classWeights != null) {
      for (float w : c.classWeights) {
        if (w == 0) {
          warnings.add("--class-weights gives a class weight 0: its examples do not count in the loss at all");
          break;
        }
      }
    }
    folders(c);
    return new RetrainPlan(load, preprocess, pooling, config, contract, List.copyOf(warnings));
  }

  /** Options that contradict each other, or do nothing as given. */
  private static void conflicts(RetrainCommand c, CommandLine cli, List<String> warnings) {
    if (c.cutAt != null && c.cutLayer != null) {
      throw usage(cli, "--cut-at " + c.cutAt + " and --cut-layer " + c.cutLayer + " both choose the cut; pass one");
    }
    if (c.valData != null && given(cli, "--val-split")) {
      throw usage(cli, "--val-data " + c.valData + " is the validation set, so --val-split " + c.valSplit
          + " would split nothing; pass one of them");
    }
    if (c.resume && c.checkpoint == null) {
      throw usage(cli, "--resume needs --checkpoint DIR: the folder the interrupted run wrote");
    }
    if (c.patience > 0 && c.valData == null && c.valSplit == 0) {
      throw usage(cli, "--patience " + c.patience + " stops on the validation " + c.monitor + ", but --val-split 0 "
          + "leaves no validation data; pass --val-split or --val-data, or drop --patience");
    }
    boolean headOnly = c.train.strip().equals("head");
    if (headOnly && given(cli, "--backbone-lr-mult")) {
      warnings.add("--backbone-lr-mult has no effect with --train head: no backbone variable trains");
    }
    if (!c.bnTrain && given(cli, "--bn-momentum")) {
      warnings.add("--bn-momentum has no effect without --bn-train");
    }
    if (headOnly && c.bnTrain) {
      warnings.add("--bn-train has no effect with --train head: no batch-normalization layer trains");
    }
    if (c.valData == null && c.valSplit == 0 && given(cli, "--monitor")) {
      warnings.add("--monitor has no effect without validation data (--val-split 0)");
    }
  }

  /** The folders the run will write: refused now if writing them would overwrite something. */
  private static void folders(RetrainCommand c) {
    if (c.checkpoint != null) {
      CheckpointFolder.check(c.checkpoint, c.resume);
    }
    if (Files.exists(c.out) && !Files.isDirectory(c.out)) {
      throw new dev.graft.error.GraftException("--out " + c.out + " is a file; exports go to OUT/<version>/. Pass a folder.");
    }
    if (c.version > 0) {
      Path target = c.out.resolve(Long.toString(c.version));
      if (Files.exists(target)) {
        throw new dev.graft.error.GraftException("Version folder " + target + " already exists; pass another --version, or "
            + "leave it out to take the next free one.");
      }
    }
  }

  /** Whether {@code option} was given on the command line or in the job file (not left to its default). */
  static boolean given(CommandLine cli, String option) {
    CommandLine.ParseResult result = cli.getParseResult();
    if (result != null && result.hasMatchedOption(option)) {
      return true;
    }
    return cli.getDefaultValueProvider() instanceof ConfigDefaults defaults
        && defaults.sets(option.replaceFirst("^-+", ""));
  }

  private static <T> T parse(CommandLine cli, String option, Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw usage(cli, SettingFlags.describe(e));
    }
  }

  private static CommandLine.ParameterException usage(CommandLine cli, String message) {
    return new CommandLine.ParameterException(cli, message);
  }
}
