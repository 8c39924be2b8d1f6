package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.view.LabeledDatas;
import dev.graft.head.CutChoice;
import dev.graft.head.HeadSpec;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/** What train() does for the process's memory: the heap collected before the first step, lean Relu gradients. */
class TrainingMemoryTest {

  @Test
  void theHeapIsCollectedBeforeTheFirstStepAndReluGradientsReadTheOutput() {
    LabeledData data = LabeledDatas.subset(DataSources.open("fashion-mnist-subset:train",
        DataOptions.builder().optClasses("5,6,7,8,9").build()), IntStream.range(0, 64).toArray());
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      WeakReference<Object> garbage = new WeakReference<>(new Object());
      int releases = Trainer.HEAP_RELEASES.get();
      boolean[] collectedAtStart = new boolean[1];
      TrainingListener atStart = new TrainingListener() {
        @Override
        public void onTrainStart(int epochs, int stepsPerEpoch) {
          collectedAtStart[0] = garbage.get() == null;
        }
      };
      model.train(data, null, TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.all())
          .addListener(atStart).build());
      assertEquals(releases + 1, Trainer.HEAP_RELEASES.get(),
          "train() should collect the heap once, before its first step");
      assertTrue(collectedAtStart[0], "garbage made before train() should be collected by its first step");

      int reluGrads = 0;
      for (Iterator<GraphOperation> it = model.model().graph().operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().equals("ReluGrad")) {
          assertEquals("Relu", op.input(1).op().type(), op.name() + " should read the Relu's output");
          reluGrads++;
        }
      }
      assertTrue(reluGrads > 0, "fashion_cnn's convolutions have Relu activations; their gradients were not found");
    }
  }
}
