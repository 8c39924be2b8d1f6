/**
 * Graft: transfer learning on TensorFlow SavedModels. Load a model ({@link dev.graft.Graft}), replace its head,
 * train what the freeze policy selects and export a SavedModel.
 *
 * <p>The exported packages are the library's API; {@code dev.graft.data.read.internal} and {@code dev.graft.graph.internal} are not.
 */
module dev.graft {
  requires transitive tensorflow;
  requires transitive com.google.protobuf;
  requires com.google.common;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires java.desktop;

  exports dev.graft;
  exports dev.graft.data;
  exports dev.graft.data.batch;
  exports dev.graft.data.read;
  exports dev.graft.data.spec;
  exports dev.graft.data.transform;
  exports dev.graft.data.view;
  exports dev.graft.error;
  exports dev.graft.export;
  exports dev.graft.feature;
  exports dev.graft.extract;
  exports dev.graft.graph;
  exports dev.graft.head;
  exports dev.graft.io;
  exports dev.graft.model;
  exports dev.graft.train;
}
