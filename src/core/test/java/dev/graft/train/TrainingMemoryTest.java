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
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
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
      long[] before = new long[1];
      long[] atStart = new long[1];
      TrainingListener gcCount = new TrainingListener() {
        @Override
        public void onTrainStart(int epochs, int stepsPerEpoch) {
          atStart[0] = collections();
        }
      };
      before[0] = collections();
      model.train(data, null, TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.all())
          .addListener(gcCount).build());
      assertTrue(atStart[0] > before[0], "train() should collect the heap before its first step (collections "
          + before[0] + " before train(), " + atStart[0] + " at its start)");

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

  private static long collections() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionCount());
    }
    return sum;
  }
}
