package dev.graft.bench;

import dev.graft.model.LoadedModel;
import org.tensorflow.proto.ConfigProto;

/**
 * TensorFlow's intra-op and inter-op thread counts for a session; 0 leaves the count to TensorFlow (one per core).
 *
 * @param intraOp threads one op may use
 * @param interOp ops run at once
 */
record ThreadSetting(int intraOp, int interOp) {

  ThreadSetting {
    if (intraOp < 0 || interOp < 0) {
      throw new IllegalArgumentException("Thread counts must be >= 0 (0 = TensorFlow's choice), got "
          + intraOp + "," + interOp);
    }
  }

  /** Parses {@code INTRA,INTER}, e.g. {@code 2,1}. */
  static ThreadSetting parse(String text) {
    String[] parts = text.strip().split(",");
    if (parts.length != 2) {
      throw new IllegalArgumentException("Thread setting '" + text + "' is not INTRA,INTER (for example 2,1)");
    }
    try {
      return new ThreadSetting(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Thread setting '" + text + "' is not INTRA,INTER (for example 2,1)", e);
    }
  }

  LoadedModel.LoadOptions loadOptions() {
    return LoadedModel.LoadOptions.defaults().withThreads(intraOp, interOp);
  }

  ConfigProto sessionConfig() {
    return ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOp).setInterOpParallelismThreads(interOp)
        .build();
  }

  /** {@code INTRA,INTER} as {@link #parse} reads it. */
  String arg() {
    return intraOp + "," + interOp;
  }

  @Override
  public String toString() {
    return (intraOp == 0 ? "TF default" : String.valueOf(intraOp)) + " / " + (interOp == 0 ? "TF default" : interOp);
  }
}
