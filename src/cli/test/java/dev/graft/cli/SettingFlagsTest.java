package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.LabeledData;
import dev.graft.data.read.InMemoryData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.error.DataException;
import dev.graft.error.NamesSettings;
import dev.graft.feature.CutSearch;
import dev.graft.extract.FeatureOptions;
import dev.graft.graph.Pooling;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.model.SavedModelDir;
import dev.graft.train.CheckpointFolder;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the library says with its setters, the command line says with its flags: every setting the library's messages
 * name has a flag (or, for a library method, the command that shows the same), so no library name reaches the user.
 */
class SettingFlagsTest {

  @TempDir Path dir;

  @Test
  void libraryFailuresOfEveryKindAreSaidWithFlags() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    LabeledData data = InMemoryData.of(new float[2], new long[] {1}, new int[] {0, 1}, List.of("x", "y"));
    assertEquals("--checkpoint " + file + " is a file, not a checkpoint folder; Graft does not overwrite it. Pass a "
        + "new folder name.", shown(() -> CheckpointFolder.check(file, false)));
    assertEquals("--resume: checkpoint folder " + dir.resolve("none") + " does not exist, so there is nothing to "
        + "resume. Check the --checkpoint path, or drop --resume to start a new run.",
        shown(() -> CheckpointFolder.check(dir.resolve("none"), true)));
    assertTrue(shown(() -> new LoadedModel.LoadOptions("serve", "serving_default", -1, 0))
        .startsWith("--threads -1,0: each count must be between 0"));
    assertEquals("Unknown --pool 'median'; use avg, max or flatten", shown(() -> Pooling.parse("median")));
    assertEquals("Give --cut-at or --cut-layer, not both (got a and b)",
        shown(() -> FeatureOptions.builder().optCutAt("a").optCutLayer("b").build()));
    assertEquals("The cut search needs at least 1 candidate cut, got --cut-candidates 0",
        shown(() -> new CutSearch.Options(0, 10, 5, 1)));
    assertTrue(shown(() -> HeadSpec.builder().setNumClasses(1).build()).endsWith("; check --classes or the labels of "
        + "the data"));
    assertTrue(shown(() -> LabeledDatas.mapClassesByName(data, List.of("x"))).contains("; pass --classes with the "
        + "data's classes to keep"));
    assertTrue(shown(() -> SavedModelDir.open(Path.of("savedmodels/fashion_cnn"), "gpu")).endsWith(". Pass --tag "
        + "with one of them."));
    assertTrue(shown(() -> FreezePolicy.parse("regex:nothing").checkApplies(List.of("a"), List.of(List.of("a/k"))))
        .endsWith("the model's variables are listed by 'graft inspect --variables')"));
    assertTrue(shown(() -> TrainConfig.builder().setEpochs(0).build()).startsWith("--epochs must be between 1"));
    assertEquals("a.png: broken; replace it, or pass --skip-bad to skip such items",
        SettingFlags.describe(new DataException("a.png", "broken; replace it, or " + DataException.SKIP_HINT)));
  }

  @Test
  void everySettingALibraryMessageNamesHasAFlag() throws Exception {
    Pattern literal = Pattern.compile("\"(?:[^\"\\\\\n]|\\\\.)*\"");
    Pattern token = Pattern.compile("\\{([a-z][A-Za-z0-9]*)}");
    Set<String> named = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/core/main/java"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher strings = literal.matcher(Files.readString(file));
        while (strings.find()) {
          Matcher tokens = token.matcher(strings.group());
          while (tokens.find()) {
            named.add(tokens.group(1));
          }
        }
      }
    }
    assertTrue(named.containsAll(List.of("epochs", "skipBad", "classes", "data", "cutAt", "threads", "checkpointDir")),
        "too few settings found to judge: " + named);
    assertEquals(List.of(), named.stream().filter(f -> SettingFlags.flag(f) == null).toList(),
        "settings the library's messages name without a flag in SettingFlags; all found: " + named);
  }

  @Test
  void anExceptionThatNamesNoSettingKeepsItsMessage() {
    assertEquals("plain {epochs}", SettingFlags.describe(new IllegalStateException("plain {epochs}")));
    assertEquals("plain {epochs}", SettingFlags.describe(new dev.graft.error.GraftException("plain {epochs}")));
  }

  /** The message the command line shows for what {@code failing} throws; it must name settings and no setter. */
  private static String shown(Executable failing) {
    RuntimeException e = assertThrows(RuntimeException.class, failing::execute);
    assertTrue(e instanceof NamesSettings named && !named.settings().isEmpty(), e.getMessage());
    for (String setting : ((NamesSettings) e).settings()) {
      assertTrue(SettingFlags.flag(setting) != null, "no flag for " + setting + " in: " + e.getMessage());
    }
    String shown = SettingFlags.describe(e);
    assertFalse(shown.contains("Builder.") || shown.contains("LoadOptions.") || shown.contains("CutChoice."), shown);
    return shown;
  }

  private interface Executable {
    void execute() throws Exception;
  }
}
