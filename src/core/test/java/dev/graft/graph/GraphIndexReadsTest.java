package dev.graft.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** The variable reads {@link GraphIndex} finds, in both directions. */
class GraphIndexReadsTest {

  private static NodeDef node(String name, String op, String... inputs) {
    return NodeDef.newBuilder().setName(name).setOp(op).addAllInput(List.of(inputs)).build();
  }

  private final GraphIndex index = new GraphIndex(GraphDef.newBuilder()
      .addNode(node("dense/kernel", "VarHandleOp"))
      .addNode(node("dense/MatMul/ReadVariableOp", "ReadVariableOp", "dense/kernel"))
      .addNode(node("head/ReadVariableOp", "ReadVariableOp", "dense/kernel"))
      .addNode(node("dense/Assign", "AssignVariableOp", "dense/kernel", "init"))
      .addNode(node("init", "Const"))
      .addNode(node("dense/read", "Identity", "dense/MatMul/ReadVariableOp:0"))
      .build());

  @Test
  void readsOfListsTheReadsAcceptedInGraphOrder() {
    assertEquals(List.of("dense/MatMul/ReadVariableOp:0", "head/ReadVariableOp:0"),
        index.readsOf("dense/kernel", name -> true));
    assertEquals(List.of("head/ReadVariableOp:0"), index.readsOf("dense/kernel", name -> name.startsWith("head/")));
    assertEquals(List.of(), index.readsOf("init", name -> true));
  }

  @Test
  void variableReadFollowsIdentitiesBackToTheHandle() {
    assertEquals("dense/kernel", index.variableRead("dense/read:0"));
    assertEquals("dense/kernel", index.variableRead("head/ReadVariableOp"));
    assertNull(index.variableRead("init:0"));
  }
}
