package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.testing.PythonSide;
import dev.graft.testing.XrayData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code retrain} on a Python-made model and real X-rays: with no cut given, the cut search runs and prints its
 * table; a user-given cut is where the model is cut, with no search; every default lands in the header and in
 * graft.json.
 */
class AutoCutCommandTest {

  @TempDir Path dir;

  /** A folder of class folders linking the first {@code n} images of each class of an X-ray split. */
  private Path images(String split, int n) throws IOException {
    Path out = dir.resolve(split);
    if (Files.isDirectory(out)) {
      return out;
    }
    for (String cls : List.of("NORMAL", "PNEUMONIA")) {
      Files.createDirectories(out.resolve(cls));
      try (Stream<Path> files = Files.list(XrayData.folder(split).resolve(cls))) {
        for (Path f : files.sorted().limit(n).toList()) {
          Files.createSymbolicLink(out.resolve(cls).resolve(f.getFileName()), f);
        }
      }
    }
    return out;
  }

  private String[] job(String out, String... more) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("retrain", "--model",
        PythonSide.fixture("conv_head_squeeze").toString(), "--data", images("train", 24).toString(),
        "--val-data", images("val", 12).toString(), "--epochs", "2", "--out", dir.resolve(out).toString()));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  @Test
  void withoutACutTheSearchChoosesAndEveryDefaultIsRecorded() throws Exception {
    CliRunner r = CliRunner.run(job("auto"));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("cut      auto: 4 cuts nearest the head scored by a linear probe on 48 training and 24"
        + " validation examples"), r.out());
    assertTrue(r.out().matches("(?s).*\\n         \\* \\S+ .*"), "the chosen row is starred\n" + r.out());
    assertTrue(r.out().contains("phase 1  head       head only, lr 1.0e-03, up to 2 epochs, patience 2"), r.out());
    assertTrue(r.out().contains("batch norm in inference mode"), r.out());
    assertTrue(r.out().contains("preprocess unit"), r.out());
    assertTrue(r.out().matches("(?s).*result   validation accuracy \\S+, balanced accuracy \\S+, loss.*"), r.out());
    JsonNode meta = new ObjectMapper().readTree(dir.resolve("auto/1/assets.extra/graft.json").toFile());
    JsonNode search = meta.get("cutSearch");
    assertEquals(4, search.get("candidates").size(), "gap, relu, pool, conv (conv_1 and bn feed only bn and relu): " + search);
    assertEquals("gap", search.get("candidates").get(1).get("sameAs").asText(), "relu pooled is gap: " + search);
    assertEquals("gap", search.get("candidates").get(0).get("layer").asText());
    assertEquals(search.get("chosen").asText(), meta.get("cut").get("layer").asText());
    assertEquals("avg", meta.get("cut").get("pooling").asText());
    JsonNode plan = meta.get("training").get("plan");
    assertEquals("head", plan.get(0).get("name").asText());
    assertEquals(2, plan.get(0).get("patience").asInt(), "250 steps, but at most the 2 epochs");
    assertEquals("auto", meta.get("options").get("patience").asText());
    assertEquals("inference", meta.get("training").get("batchNorm").asText());
  }

  @Test
  void aUserCutWinsAndNeedsNoSearch() throws Exception {
    CliRunner r = CliRunner.run(job("user", "--cut-layer", "relu", "--pool", "max"));
    assertEquals(0, r.exitCode(), r.err());
    assertFalse(r.out().contains("cut      auto"), r.out());
    assertTrue(r.out().contains("cut at layer 'relu'"), r.out());
    assertTrue(r.out().contains("16 features per example, max-pooled"), r.out());
    JsonNode meta = new ObjectMapper().readTree(dir.resolve("user/1/assets.extra/graft.json").toFile());
    assertFalse(meta.has("cutSearch"));
    assertEquals("relu", meta.get("cut").get("layer").asText());
    assertEquals("max", meta.get("cut").get("pooling").asText());
    CliRunner both = CliRunner.run(job("both", "--cut", "auto", "--cut-layer", "relu"));
    assertEquals(1, both.exitCode());
    assertTrue(both.err().contains("both choose the cut; give one of them"), both.err());
  }
}
