package dev.graft.graph.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/** Flattening a call, and the malformed input references a hostile SavedModel may hold. */
class FunctionInlinerTest {

  private static final AttrValue FLOAT = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();

  @Test
  void aCallsBodyBecomesNodesOfTheFlatGraphAndTheCallAnIdentityOverItsResult() {
    GraphDef flat = FunctionInliner.flatten(graph("id1:output:0", "x:0"), List.of("call"));
    Map<String, NodeDef> nodes = flat.getNodeList().stream().collect(Collectors.toMap(NodeDef::getName, n -> n));
    assertEquals("Identity", nodes.get("call/id2").getOp());
    assertEquals(List.of("call/id1"), nodes.get("call/id2").getInputList().stream()
        .map(i -> i.replace(":0", "")).toList());
    assertEquals(List.of("x"), nodes.get("call/id1").getInputList().stream().map(i -> i.replace(":0", "")).toList());
    assertTrue(nodes.get("call").getOp().startsWith("Identity"), nodes.get("call").toString());
  }

  @Test
  void aFunctionBodyReferenceWithAnIndexThatIsNotANumberIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FunctionInliner.flatten(graph("id1:output:zz", "x:0"), List.of("call")));
    assertTrue(e.getMessage().contains("'id1:output:zz' of a node under 'call' is not node:output_arg:index"), e.getMessage());
  }

  @Test
  void aGraphReferenceWithAnIndexThatIsNotANumberIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FunctionInliner.flatten(graph("id1:output:0", "x:first"), List.of("call")));
    assertTrue(e.getMessage().contains("'x:first' of a node under '<top>' is not op:index"), e.getMessage());
  }

  /** {@code call = PartitionedCall(f, x)} with {@code f(a) = Identity(Identity(a))}; the second reads {@code inner}. */
  private static GraphDef graph(String inner, String callInput) {
    FunctionDef f = FunctionDef.newBuilder()
        .setSignature(OpDef.newBuilder().setName("f")
            .addInputArg(OpDef.ArgDef.newBuilder().setName("a").setType(DataType.DT_FLOAT))
            .addOutputArg(OpDef.ArgDef.newBuilder().setName("out").setType(DataType.DT_FLOAT)))
        .addNodeDef(NodeDef.newBuilder().setName("id1").setOp("Identity").addInput("a").putAttr("T", FLOAT))
        .addNodeDef(NodeDef.newBuilder().setName("id2").setOp("Identity").addInput(inner).putAttr("T", FLOAT))
        .putRet("out", "id2:output:0")
        .build();
    AttrValue types = AttrValue.newBuilder()
        .setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT)).build();
    return GraphDef.newBuilder()
        .addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder").putAttr("dtype", FLOAT))
        .addNode(NodeDef.newBuilder().setName("call").setOp("PartitionedCall").addInput(callInput)
            .putAttr("Tin", types).putAttr("Tout", types)
            .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName("f")).build()))
        .setLibrary(FunctionDefLibrary.newBuilder().addFunction(f))
        .build();
  }
}
