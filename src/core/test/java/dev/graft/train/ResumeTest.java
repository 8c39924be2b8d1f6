package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.view.DataViews;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.graph.VariableSnapshot;
import dev.graft.head.HeadSpec;
import dev.graft.testing.SharedModels;
import dev.graft.testing.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A run interrupted after an epoch and resumed from its checkpoint ends where an uninterrupted run ends. */
class ResumeTest {

  @TempDir Path dir;

  private static final DataOptions FIVE_TO_NINE = DataOptions.builder().optClasses("5,6,7,8,9").build();

  /** Fine-tuning from the first step (no warm-up), so every epoch trains the backbone layer. */
  private static TrainConfig.Builder config(Path checkpoint, int epochs) {
    return TrainConfig.builder().setEpochs(epochs).optBatchSize(50).optLearningRate(3e-3f).optSeed(9)
        .optFreeze(FreezePolicy.last(1)).optSchedule(LrSchedule.parse("cosine:1")).optCheckpointDir(checkpoint)
        .optWarmupEpochs(0);
  }

  @Test
  void resumedRunEqualsUninterruptedRun() {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    LabeledData all = DataSources.open("fashion-mnist-subset:train", FIVE_TO_NINE);
    LabeledData train = LabeledDatas.subset(all, IntStream.range(0, 1000).toArray());
    float[][] uninterrupted = trainAndRead(model, train, config(dir.resolve("a"), 3).build());
    TrainingListener crash = new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics metrics) {
        if (metrics.epoch() == 2) {
          throw new IllegalStateException("simulated interruption");
        }
      }
    };
    assertThrows(IllegalStateException.class,
        () -> trainAndRead(model, train, config(dir.resolve("b"), 3).addListener(crash).build()));
    assertTrue(Files.isRegularFile(dir.resolve("b/epoch-00002/state.json")));
    float[][] resumed = trainAndRead(model, train, config(dir.resolve("b"), 3).optResume(true).build());
    for (int i = 0; i < uninterrupted.length; i++) {
      assertArrayEquals(uninterrupted[i], resumed[i], "variable " + i);
    }
  }

  @Test
  void resumedRunKeepsTheBestEpochFromBeforeTheInterruption() {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    LabeledData all = DataSources.open("fashion-mnist-subset:train", FIVE_TO_NINE);
    LabeledData train = LabeledDatas.subset(all, IntStream.range(0, 1000).toArray());
    // Validation labels shifted by one class: the better the model learns, the worse it scores, so epoch 1 is best.
    LabeledData held = LabeledDatas.subset(all, IntStream.range(1000, 1300).toArray());
    LabeledData shifted = DataViews.relabeled(held, i -> (held.label(i) + 1) % 5);
    int[] bestEpoch = new int[2];
    float[][] uninterrupted = trainAndRead(model, train, shifted, config(dir.resolve("c"), 4).build(), bestEpoch, 0);
    assertTrue(bestEpoch[0] <= 2, "premise: the best epoch comes before the interruption, got " + bestEpoch[0]);
    TrainingListener crash = new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics metrics) {
        if (metrics.epoch() == 3) {
          throw new IllegalStateException("simulated interruption");
        }
      }
    };
    assertThrows(IllegalStateException.class, () -> trainAndRead(model, train, shifted,
        config(dir.resolve("d"), 4).addListener(crash).build(), bestEpoch, 1));
    float[][] resumed = trainAndRead(model, train, shifted, config(dir.resolve("d"), 4).optResume(true).build(),
        bestEpoch, 1);
    assertEquals(bestEpoch[0], bestEpoch[1]);
    for (int i = 0; i < uninterrupted.length; i++) {
      assertArrayEquals(uninterrupted[i], resumed[i], "variable " + i + " must hold epoch " + bestEpoch[0]
          + "'s values");
    }
  }

  /** An interruption right after the epoch listed: the checkpoint of that epoch is written, the listener throws. */
  private static TrainingListener crashAfter(int epoch) {
    return new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics metrics) {
        if (metrics.epoch() == epoch) {
          throw new IllegalStateException("simulated interruption");
        }
      }
    };
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"val_loss", "val_accuracy"})
  void resumedRightAfterTheBestEpochWithEarlyStoppingEndsAsTheUninterruptedRun(String monitor) {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    LabeledData all = DataSources.open("fashion-mnist-subset:train", FIVE_TO_NINE);
    LabeledData train = LabeledDatas.subset(all, IntStream.range(0, 1000).toArray());
    LabeledData held = LabeledDatas.subset(all, IntStream.range(1000, 1300).toArray());
    // shifted validation labels: the better the model learns, the worse it scores, so epoch 1 is the best
    LabeledData shifted = DataViews.relabeled(held, i -> (held.label(i) + 1) % 5);
    int[] bestEpoch = new int[2];
    TrainResult[] results = new TrainResult[2];
    TrainConfig.Builder uninterrupted = config(dir.resolve("u-" + monitor), 6).optMonitor(Monitor.parse(monitor)).optPatience(2);
    float[][] expected = trainAndRead(model, train, shifted, uninterrupted.build(), bestEpoch, 0, results);
    assertEquals(1, bestEpoch[0], "premise: epoch 1 is the best");
    assertTrue(results[0].stoppedEarly() && results[0].history().size() == 3, "premise: stopped after epoch 3");
    for (int interruptAt : new int[] {1, 3}) {
      Path checkpoint = dir.resolve("i" + interruptAt + "-" + monitor);
      assertThrows(IllegalStateException.class, () -> trainAndRead(model, train, shifted, config(checkpoint, 6)
          .optMonitor(Monitor.parse(monitor)).optPatience(2).addListener(crashAfter(interruptAt)).build(), bestEpoch, 1, results));
      float[][] resumed = trainAndRead(model, train, shifted, config(checkpoint, 6).optMonitor(Monitor.parse(monitor)).optPatience(2)
          .optResume(true).build(), bestEpoch, 1, results);
      assertEquals(1, bestEpoch[1], "interrupted after epoch " + interruptAt);
      assertEquals(3, results[1].history().size(), "a run that stopped early does not train on when resumed");
      for (int i = 0; i < expected.length; i++) {
        assertArrayEquals(expected[i], resumed[i], "variable " + i + " after an interruption at epoch " + interruptAt);
      }
      EpochMetrics best = results[1].history().get(results[1].bestEpoch() - 1);
      assertEquals(best.valLoss(), results[1].validation().loss(), 1e-9,
          "the reported validation loss is the best epoch's, not the last one's");
      assertEquals(best.valAccuracy(), results[1].validation().accuracy(), 1e-12);
    }
  }

  @Test
  void resumeRefusesAnotherSeedOrFreezePolicyByName() {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    LabeledData all = DataSources.open("fashion-mnist-subset:train", FIVE_TO_NINE);
    LabeledData train = LabeledDatas.subset(all, IntStream.range(0, 300).toArray());
    Path checkpoint = dir.resolve("mismatch");
    assertThrows(IllegalStateException.class,
        () -> trainAndRead(model, train, config(checkpoint, 3).addListener(crashAfter(1)).build()));
    dev.graft.error.GraftException e = assertThrows(dev.graft.error.GraftException.class, () -> trainAndRead(model, train,
        config(checkpoint, 3).optSeed(10).optFreeze(FreezePolicy.all()).optResume(true).build()));
    assertTrue(e.getMessage().contains("seed 9 then, 10 now") && e.getMessage().contains("train last:1 then, all now"),
        e.getMessage());
  }

  @Test
  void theNewestCompleteCheckpointIsFoundWhateverAKillLeftBeside() throws Exception {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    LabeledData all = DataSources.open("fashion-mnist-subset:train", FIVE_TO_NINE);
    LabeledData train = LabeledDatas.subset(all, IntStream.range(0, 300).toArray());
    float[][] uninterrupted = trainAndRead(model, train, config(dir.resolve("whole"), 3).build());
    Path checkpoint = dir.resolve("killed");
    assertThrows(IllegalStateException.class,
        () -> trainAndRead(model, train, config(checkpoint, 3).addListener(crashAfter(2)).build()));
    // what a kill during the save of epoch 3 leaves: a half-written temporary folder, and (a kill after the rename
    // and before the older one is deleted) an older complete checkpoint
    Path partial = Files.createDirectory(checkpoint.resolve(".epoch-00003.tmp-1-abcdefg"));
    Files.writeString(partial.resolve("state.json"), "{\"epochsDone\":3,");
    copyTree(checkpoint.resolve("epoch-00002"), checkpoint.resolve("epoch-00001"));
    float[][] resumed = trainAndRead(model, train, config(checkpoint, 3).optResume(true).build());
    for (int i = 0; i < uninterrupted.length; i++) {
      assertArrayEquals(uninterrupted[i], resumed[i], "variable " + i);
    }
    assertEquals(List.of("epoch-00003", "graft-checkpoint.json"),
        Files.list(checkpoint).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList(),
        "older checkpoints are deleted once a newer one is complete");
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }

  @ParameterizedTest(name = "interrupted after epoch {0}")
  @ValueSource(ints = {3, 4})
  void aRunWithAWarmUpResumesAcrossItsPhases(int interruptedAfter) {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    LabeledData all = DataSources.open("fashion-mnist-subset:train", FIVE_TO_NINE);
    LabeledData train = LabeledDatas.subset(all, IntStream.range(0, 1000).toArray());
    LabeledData held = LabeledDatas.subset(all, IntStream.range(1000, 1300).toArray());
    // 3 warm-up epochs (head only, on cached features), then 2 epochs fine-tuning the last layer at a lower rate.
    java.util.function.Function<Path, TrainConfig.Builder> recipe = ckpt -> config(ckpt, 2).optWarmupEpochs(3)
        .optPatience(0).optFineTuneLr(1e-3f);
    int[] bestEpoch = new int[2];
    float[][] uninterrupted = trainAndRead(model, train, held, recipe.apply(dir.resolve("e")).build(), bestEpoch, 0,
        5);
    TrainingListener crash = new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics metrics) {
        if (metrics.epoch() == interruptedAfter) {
          throw new IllegalStateException("simulated interruption");
        }
      }
    };
    assertThrows(IllegalStateException.class, () -> trainAndRead(model, train, held,
        recipe.apply(dir.resolve("f")).addListener(crash).build(), bestEpoch, 1, 5));
    float[][] resumed = trainAndRead(model, train, held, recipe.apply(dir.resolve("f")).optResume(true).build(),
        bestEpoch, 1, 5);
    assertEquals(bestEpoch[0], bestEpoch[1]);
    for (int i = 0; i < uninterrupted.length; i++) {
      assertArrayEquals(uninterrupted[i], resumed[i], "variable " + i + " after resuming across the warm-up's end");
    }
  }

  private static float[][] trainAndRead(Path modelDir, LabeledData train, TrainConfig config) {
    return trainAndRead(modelDir, train, null, config, new int[1], 0);
  }

  private static float[][] trainAndRead(Path modelDir, LabeledData train, LabeledData validation, TrainConfig config,
      int[] bestEpoch, int slot) {
    return trainAndRead(modelDir, train, validation, config, bestEpoch, slot, new TrainResult[2]);
  }

  private static float[][] trainAndRead(Path modelDir, LabeledData train, LabeledData validation, TrainConfig config,
      int[] bestEpoch, int slot, int epochs) {
    return trainAndRead(modelDir, train, validation, config, bestEpoch, slot, new TrainResult[2], epochs);
  }

  private static float[][] trainAndRead(Path modelDir, LabeledData train, LabeledData validation, TrainConfig config,
      int[] bestEpoch, int slot, TrainResult[] results) {
    return trainAndRead(modelDir, train, validation, config, bestEpoch, slot, results,
        config.patience() == 0 ? config.epochs() : -1);
  }

  /** Trains; {@code epochs} is the number of epochs the run must have run, or -1 when early stopping may cut it. */
  private static float[][] trainAndRead(Path modelDir, LabeledData train, LabeledData validation, TrainConfig config,
      int[] bestEpoch, int slot, TrainResult[] results, int epochs) {
    try (GraftModel model = Graft.load(modelDir)) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).optDropout(0.3f).build());
      TrainResult result = model.train(train, validation, config);
      bestEpoch[slot] = result.bestEpoch();
      results[slot] = result;
      assertEquals(config.warmupEpochs() > 0 ? config.warmupEpochs() : 0, result.warmupEpochs(),
          "the warm-up's epochs, counted also by a resumed run");
      if (epochs >= 0) {
        assertEquals(epochs, result.history().size());
      }
      List<String> names = new java.util.ArrayList<>(model.head().variables());
      names.add("dense/kernel");
      float[][] values = new float[names.size()][];
      try (VariableSnapshot s = model.model().readVariables(names)) {
        for (int i = 0; i < names.size(); i++) {
          values[i] = Tensors.floats(s.value(i));
        }
      }
      return values;
    }
  }
}
