package dev.graft.graph;

import java.util.Set;

/**
 * The op names Graft adds to a model's graph: top-level name scopes of its own ops, and the suffixes of ops it adds
 * beside a model's own op.
 *
 * <p>An op is Graft's when its first name segment is one of {@link #SCOPES}, alone or numbered ({@code graft_head_2}
 * when a graph already holds a {@code graft_head}). A model's own layer may start with {@code graft} (a Keras layer
 * named {@code graft_dense}): {@link #isReserved} tells the two apart by whole segments, never by prefix.
 *
 * <pre>{@code
 * ReservedNames.isReserved("graft_head/dense_0/MatMul");  // true
 * ReservedNames.isReserved("graft_dense/MatMul");         // false: a model's layer
 * }</pre>
 *
 * <p>The function inliner ({@code graph.internal}, below this package) names the control anchor of an inlined call
 * {@code <call>/graft_input_control} itself.
 */
public final class ReservedNames {

  /** Where the loaded model's variables are read and written. */
  public static final String VARIABLE_IO = "graft_vars";
  /** Reads of a model's variables while it is loaded. */
  public static final String LOAD = "graft_load";
  /** The checks that every variable of a loaded model is initialized. */
  public static final String LOAD_CHECK = "graft_load_check";
  /** The batch-normalization training switch ({@link #BATCH_NORM_FLAG}) and its default. */
  public static final String BATCH_NORM = "graft_bn";
  /** The placeholder that turns batch-normalization layers to batch statistics. */
  public static final String BATCH_NORM_FLAG = BATCH_NORM + "/training";
  /** Pooling of cut tensors into feature vectors. */
  public static final String FEATURES = "graft_features";
  /** The new head; later heads in one graph take {@code graft_head_2}, {@code _3}... */
  public static final String HEAD = "graft_head";
  /** The loss, gradients and optimizer updates. */
  public static final String TRAIN = "graft_train";
  /** Checkpoint save and restore ops. */
  public static final String CHECKPOINT = "graft_ckpt";
  /** The scaling an export applies to its raw input. */
  public static final String PREPROCESS = "graft_preprocess";
  /** The output ops of an export's signature. */
  public static final String OUTPUTS = "graft_outputs";
  /** Assignment of trained values into an export's variables (left out of the written graph). */
  public static final String EXPORT_IO = "graft_export_io";
  /** Variable definitions of a written SavedModel. */
  public static final String EXPORT_VARIABLES = "graft_variables";

  /** Every top-level scope of Graft's own ops. */
  public static final Set<String> SCOPES = Set.of(VARIABLE_IO, LOAD, LOAD_CHECK, BATCH_NORM, FEATURES, HEAD, TRAIN,
      CHECKPOINT, PREPROCESS, OUTPUTS, EXPORT_IO, EXPORT_VARIABLES);

  /** {@code <var>/graft_read}: the read of a reference variable turned into a resource variable. */
  public static final String READ_SUFFIX = "/graft_read";
  /** {@code <bn>/graft_train}: the batch-statistics twin of a batch-normalization op. */
  public static final String BATCH_NORM_TWIN_SUFFIX = "/graft_train";
  /** {@code <bn>/graft_select}: the choice between a batch-normalization op and its twin. */
  public static final String BATCH_NORM_SELECT_SUFFIX = "/graft_select";
  /** {@code <bn>/graft_update_mean}: the moving-mean update of a training batch-normalization op. */
  public static final String BATCH_NORM_MEAN_SUFFIX = "/graft_update_mean";
  /** {@code <bn>/graft_update_variance}: the moving-variance update of a training batch-normalization op. */
  public static final String BATCH_NORM_VARIANCE_SUFFIX = "/graft_update_variance";

  private ReservedNames() {}

  /**
   * Whether {@code opName} lies in one of Graft's own scopes: its first segment (up to the first {@code /}) is one
   * of {@link #SCOPES}, or one of them followed by {@code _N}.
   */
  public static boolean isReserved(String opName) {
    int slash = opName.indexOf('/');
    String first = slash < 0 ? opName : opName.substring(0, slash);
    if (SCOPES.contains(first)) {
      return true;
    }
    int underscore = first.lastIndexOf('_');
    return underscore > 0 && underscore < first.length() - 1 && first.substring(underscore + 1).chars()
        .allMatch(c -> c >= '0' && c <= '9') && SCOPES.contains(first.substring(0, underscore));
  }
}
