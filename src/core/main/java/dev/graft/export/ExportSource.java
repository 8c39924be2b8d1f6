package dev.graft.export;

import dev.graft.data.transform.Preprocessing;
import dev.graft.graph.CutPoint;
import dev.graft.head.Head;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.train.TrainConfig;
import java.util.List;

/**
 * What an export is made of: the loaded model whose session holds the trained values, where it was cut, the new
 * head and its classes, how the training data was scaled, and the config it was trained with.
 *
 * @param model the loaded model; its session holds the values the export writes
 * @param cut where the old head was cut off
 * @param head the new head in the training graph (its variables hold the trained values)
 * @param headSpec the new head's layout
 * @param classNames the new head's classes, by label
 * @param preprocessing how raw example values were scaled in training
 * @param trainConfig the config of the training run, or null when the model was not trained
 */
public record ExportSource(LoadedModel model, CutPoint cut, Head head, HeadSpec headSpec, List<String> classNames,
    Preprocessing preprocessing, TrainConfig trainConfig) {

  public ExportSource {
    classNames = List.copyOf(classNames);
  }
}
