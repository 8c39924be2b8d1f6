package dev.graft.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.graph.VariableSnapshot;
import dev.graft.head.CutChoice;
import dev.graft.head.HeadSpec;
import dev.graft.testing.Tensors;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link LoadedModel} is the one owner of its graph and session: they live as long as it does, a rebuild is a new
 * model that takes over, and every use after close fails with a message naming the model.
 */
class LoadedModelOwnershipTest {

  private static final Path MODEL = Path.of("savedmodels/fashion_cnn");

  @Test
  void everyUseAfterCloseFailsWithAMessageNamingTheModel() {
    LoadedModel model = LoadedModel.load(MODEL, LoadedModel.LoadOptions.defaults());
    List<String> names = List.of(model.variables().get(0).name());
    assertTrue(model.isOpen());
    model.close();
    model.close(); // a second close does nothing
    assertFalse(model.isOpen());
    for (Executable use : List.<Executable>of(model::graph, model::session, model::runner,
        () -> model.readVariables(names).close(), () -> model.rebuilt(model.flatGraph()))) {
      IllegalStateException e = assertThrows(IllegalStateException.class, use);
      assertTrue(e.getMessage().contains("savedmodels/fashion_cnn") && e.getMessage().contains("was closed"),
          e.getMessage());
    }
  }

  @Test
  void aRebuiltModelTakesOverTheValuesAndClosesTheOldOne() {
    try (LoadedModel model = LoadedModel.load(MODEL, LoadedModel.LoadOptions.defaults())) {
      List<String> names = model.variables().stream().map(VariableInfo::name).toList();
      float[][] before = values(model, names);
      try (LoadedModel next = model.rebuilt(model.flatGraph())) {
        assertNotSame(model, next);
        assertTrue(next.isOpen());
        assertFalse(model.isOpen(), "the rebuilt model took over");
        float[][] after = values(next, names);
        for (int i = 0; i < names.size(); i++) {
          assertArrayEquals(before[i], after[i], names.get(i) + " keeps its value in the new session");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, model::session);
        assertTrue(e.getMessage().contains("rebuilt"), e.getMessage());
      }
    }
  }

  @Test
  void batchNormTrainingHandsTheFacadeTheRebuiltModel() {
    LabeledData train = LabeledDatas.subset(DataSources.open("fashion-mnist-subset:train",
        DataOptions.builder().optClasses("5,6,7,8,9").build()), IntStream.range(0, 128).toArray());
    try (GraftModel graft = Graft.load(MODEL, CutChoice.layer("flatten"))) {
      LoadedModel loaded = graft.model();
      graft.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      graft.train(train, null, TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.last(1))
          .optBatchNormTraining(true).build());
      assertNotSame(loaded, graft.model(), "batch-norm training rebuilds the graph in a new model");
      assertFalse(loaded.isOpen(), "and closes the one it replaced");
      assertTrue(graft.model().isOpen());
      assertThrows(IllegalStateException.class, loaded::graph);
      // the facade keeps working on the model it holds now
      assertTrue(Tensors.variableValues(graft, List.of(graft.head().variables().get(0)))[0].length > 0);
    }
  }

  private static float[][] values(LoadedModel model, List<String> names) {
    try (VariableSnapshot snapshot = model.readVariables(names)) {
      float[][] out = new float[names.size()][];
      for (int i = 0; i < names.size(); i++) {
        out[i] = Tensors.floats(snapshot.value(i));
      }
      return out;
    }
  }
}
