package dev.graft.head;

import dev.graft.graph.ReservedNames;
import java.util.List;
import java.util.Map;

/**
 * A head added to a graph: its output tensors, its variables and the training-only inputs.
 *
 * @param features the tensor the head's first dense layer reads, [N, features]: the cut tensor itself, or its pooled
 *     or flattened form (what head-only training caches)
 * @param logits the logits tensor [N, classes]
 * @param probabilities the softmax tensor [N, classes]
 * @param variables names of the head's variables (kernels and biases, input to output)
 * @param reads for each of {@code variables}, the {@code ReadVariableOp} output through which the head reads it (where
 *     a loss's gradient with respect to it is taken)
 * @param dropoutRate the placeholder (with default 0) that switches dropout on, or null in serving graphs
 * @param dropoutSeed the placeholder (int64[2], with default) that seeds dropout masks, or null
 * @param scope the name scope of the head's ops ({@code graft_head}, or {@code graft_head_2} when a
 *     model retrained before already holds one)
 */
public record Head(String features, String logits, String probabilities, List<String> variables,
    Map<String, String> reads, String dropoutRate, String dropoutSeed, String scope) {

  public Head {
    variables = List.copyOf(variables);
    reads = Map.copyOf(reads);
  }

  /** Name scope of the first head added to a graph; later ones take {@code graft_head_2}, {@code _3}... */
  public static final String SCOPE = ReservedNames.HEAD;
}
