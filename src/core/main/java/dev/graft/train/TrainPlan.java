package dev.graft.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The run a {@link TrainConfig} asks for on a given data set, every {@link TrainConfig#AUTO} value resolved: its
 * phases (for a fine-tuning policy, a frozen warm-up of the new head, then the unfrozen policy), each with its
 * epochs, learning rates and patience.
 *
 * <p>The automatic values count optimizer steps, not only epochs:
 * <ul>
 *   <li>head training (a head-only run, or the warm-up): at least {@value #HEAD_STEPS} steps, 5 to
 *   {@value #MAX_HEAD_EPOCHS} epochs, patience of at least {@value #HEAD_PATIENCE_STEPS} steps (5 epochs or more, at
 *   most the phase's epochs);
 *   <li>fine-tuning after the warm-up: at least {@value #FINE_TUNE_STEPS} steps, 3 to {@value #MAX_FINE_TUNE_EPOCHS}
 *   epochs, patience 2 epochs;
 *   <li>the warm-up runs when validation data tells when the head is ready; without it a fine-tuning policy trains
 *   from the first step, as with {@code warmupEpochs 0}.
 * </ul>
 *
 * <pre>{@code
 * TrainPlan plan = TrainPlan.of(config, train.size(), true);
 * plan.phases().forEach(p -> System.out.println(p.describe()));
 * }</pre>
 *
 * @param phases the phases, in order
 * @param stepsPerEpoch optimizer steps in one epoch
 */
public record TrainPlan(List<Phase> phases, int stepsPerEpoch) {

  /** Fewest optimizer steps a head is trained for when the epochs are automatic. */
  public static final int HEAD_STEPS = 1000;
  /** Most epochs of head training when the epochs are automatic. */
  public static final int MAX_HEAD_EPOCHS = 200;
  /** Fewest steps without improvement before head training stops early when the patience is automatic. */
  public static final int HEAD_PATIENCE_STEPS = 250;
  /** Fewest optimizer steps of fine-tuning after the warm-up when the epochs are automatic. */
  public static final int FINE_TUNE_STEPS = 150;
  /** Most epochs of fine-tuning when the epochs are automatic. */
  public static final int MAX_FINE_TUNE_EPOCHS = 30;

  /**
   * One phase of a run.
   *
   * @param name {@code head} (head-only training), {@code warm-up} (head-only before fine-tuning) or
   *     {@code fine-tune}
   * @param freeze what trains besides the head
   * @param epochs epochs at most
   * @param headLr the head's learning rate (before the schedule)
   * @param backboneLr the unfrozen backbone's learning rate (before the schedule)
   * @param patience epochs without improvement that end the phase early (0 = never)
   * @param freshOptimizer whether the optimizer's state starts anew with this phase (as after Keras's re-compile)
   */
  public record Phase(String name, FreezePolicy freeze, int epochs, float headLr, float backboneLr, int patience,
      boolean freshOptimizer) {

    /** One line: {@code warm-up    head only, lr 1.0e-03, up to 18 epochs, patience 5} (or {@code freeze all, ...}). */
    public String describe() {
      return describe(field -> field);
    }

    /** {@link #describe()} with the freeze setting called {@code settingName.apply("freeze")} (a front end's name). */
    public String describe(UnaryOperator<String> settingName) {
      String what = freeze.kind() == FreezePolicy.Kind.HEAD ? "head only" : settingName.apply("freeze") + " " + freeze;
      String lr = freeze.kind() == FreezePolicy.Kind.HEAD || headLr == backboneLr
          ? String.format(Locale.ROOT, "lr %.1e", headLr)
          : String.format(Locale.ROOT, "lr %.1e (backbone %.1e)", headLr, backboneLr);
      return String.format(Locale.ROOT, "%-9s  %s, %s, up to %d epochs, %s", name, what, lr, epochs,
          patience > 0 ? "patience " + patience : "no early stopping");
    }

    /** The phase as a map, for the export's metadata. */
    public Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("name", name);
      map.put("freeze", freeze.toString());
      map.put("epochs", epochs);
      map.put("headLearningRate", headLr);
      map.put("backboneLearningRate", backboneLr);
      map.put("patience", patience);
      return map;
    }
  }

  public TrainPlan {
    phases = List.copyOf(phases);
  }

  /**
   * Resolves {@code config} for {@code trainExamples} training examples.
   *
   * @param validation whether validation data is given (it enables early stopping and the automatic warm-up)
   */
  public static TrainPlan of(TrainConfig config, int trainExamples, boolean validation) {
    int steps = Math.max(1, (trainExamples + config.batchSize() - 1) / config.batchSize());
    float backboneLr = config.learningRate() * config.backboneLrMult();
    List<Phase> phases = new ArrayList<>();
    FreezePolicy head = FreezePolicy.head();
    if (config.freeze().kind() == FreezePolicy.Kind.HEAD) {
      int epochs = headEpochs(config.epochs(), steps);
      phases.add(new Phase("head", head, epochs, config.learningRate(), backboneLr,
          patience(config, validation, Math.min(epochs, headPatience(steps))), false));
      return new TrainPlan(phases, steps);
    }
    int warmup = config.warmupEpochs() == TrainConfig.AUTO ? (validation ? headEpochs(TrainConfig.AUTO, steps) : 0)
        : config.warmupEpochs();
    if (warmup == 0) {
      int epochs = config.epochs() == TrainConfig.AUTO ? 5 : config.epochs();
      phases.add(new Phase("fine-tune", config.freeze(), epochs, config.learningRate(), backboneLr,
          patience(config, validation, 5), false));
      return new TrainPlan(phases, steps);
    }
    phases.add(new Phase("warm-up", head, warmup, config.learningRate(), backboneLr,
        patience(config, validation, Math.min(warmup, headPatience(steps))), false));
    int epochs = config.epochs() != TrainConfig.AUTO ? config.epochs()
        : clamp(ceil(FINE_TUNE_STEPS, steps), 3, MAX_FINE_TUNE_EPOCHS);
    phases.add(new Phase("fine-tune", config.freeze(), epochs, config.fineTuneLr(),
        config.fineTuneLr() * config.backboneLrMult(), patience(config, validation, 2), true));
    return new TrainPlan(phases, steps);
  }

  /** Epochs of all phases together, at most. */
  public int totalEpochs() {
    return phases.stream().mapToInt(Phase::epochs).sum();
  }

  private static int headEpochs(int epochs, int steps) {
    return epochs != TrainConfig.AUTO ? epochs : clamp(ceil(HEAD_STEPS, steps), 5, MAX_HEAD_EPOCHS);
  }

  private static int headPatience(int steps) {
    return Math.max(5, ceil(HEAD_PATIENCE_STEPS, steps));
  }

  private static int patience(TrainConfig config, boolean validation, int auto) {
    if (!validation) {
      return 0;
    }
    return config.patience() == TrainConfig.AUTO ? auto : config.patience();
  }

  private static int ceil(int a, int b) {
    return (a + b - 1) / b;
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
