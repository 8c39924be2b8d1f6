package dev.graft.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.testing.PythonSide;
import dev.graft.testing.XrayData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cut search on Teachable Machine's layout and real X-rays: it measures its way to the conv features. */
class CutSearchTest {

  private static final LabeledData TRAIN = XrayData.subset("train", 1, 40, 80);
  private static final LabeledData VAL = XrayData.subset("val", 2, 30, 50);

  @Test
  void teachableMachineAutoCutPicksTheConvFeaturesNotTheOldHundredUnitLayer() {
    try (GraftModel model = Graft.load(PythonSide.fixture("teachable_machine_pretrained"))) {
      model.withPreprocessing(Preprocessing.symmetric());
      CutSearch.Result result = model.chooseCut(TRAIN, VAL, new CutSearch.Options(4, 120, 80, 42));
      List<String> scored = result.rows().stream().map(CutSearch.Row::layer).toList();
      assertEquals(List.of("global_average_pooling2d", "conv_pw_13_relu", "conv_dw_13_relu", "conv_pw_12_relu"),
          scored, "the old head's input and the block outputs before it; the hidden layer belongs to the old head");
      assertEquals("global_average_pooling2d", result.rows().get(1).sameAs(), "conv_pw_13_relu pooled is the GAP");
      assertTrue(scored.contains(result.best().layer()), "" + result.rows());
      for (CutSearch.Row row : result.rows()) {
        assertTrue(result.best().accuracy() >= row.accuracy(), "the best by validation accuracy: " + result.rows());
      }
      assertEquals(result.best().layer(), model.cut().layer());
      assertEquals(256, model.cut().featureSize());
      assertTrue(result.rows().stream().allMatch(r -> r.accuracy() > 0.75), "the conv features separate the classes: "
          + result.rows());
      assertTrue(model.cut().oldHeadVariables().stream().anyMatch(v -> v.contains("dense_Dense1")),
          "the hidden layer goes with the old head: " + model.cut().oldHeadVariables());
      // One forward pass per batch for all candidates: 120 training examples in 2 batches of 64, 80 in 2.
      assertEquals(4, result.forwardRuns(), "every candidate comes from the same run");
      assertEquals(120, result.trainExamples());
      assertEquals(80, result.valExamples());
    }
  }
}
