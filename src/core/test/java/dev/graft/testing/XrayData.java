package dev.graft.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small real subsets of the chest X-ray data beside the project ({@code ../shared/datasets/chest-xray-224}): two
 * classes, NORMAL and PNEUMONIA, 224x224 JPEG files. Tests that need them skip, saying why, when the folder is
 * absent.
 */
public final class XrayData {

  private static final Path ROOT = findRoot();
  private static boolean warned;

  private XrayData() {}

  private static Path findRoot() {
    Path cwd = Path.of("").toAbsolutePath();
    for (Path p = cwd; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/datasets/chest-xray-224");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return cwd.resolve("../shared/datasets/chest-xray-224");
  }

  /** The folder of a split ({@code train} or {@code val}); skips the calling test when it is absent. */
  public static Path folder(String split) {
    Path dir = ROOT.resolve(split);
    if (!Files.isDirectory(dir)) {
      synchronized (XrayData.class) {
        if (!warned) {
          System.err.println("*** chest X-ray data absent at " + ROOT + ": X-ray tests skipped");
          warned = true;
        }
      }
    }
    assumeTrue(Files.isDirectory(dir), "chest X-ray data absent: " + dir);
    return dir;
  }

  /**
   * {@code perClass[c]} examples of class {@code c} (0 NORMAL, 1 PNEUMONIA) drawn from {@code split} with
   * {@code seed}, in data order, as 224x224x3 pixels 0..255.
   */
  public static LabeledData subset(String split, long seed, int... perClass) {
    LabeledData all = DataSources.open(folder(split).toString(),
        DataOptions.builder().optTargetShape(224, 224, 3).build());
    List<Integer> chosen = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(seed);
    for (int c = 0; c < perClass.length; c++) {
      List<Integer> ofClass = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.label(i) == c) {
          ofClass.add(i);
        }
      }
      for (int k = 0; k < perClass[c] && !ofClass.isEmpty(); k++) {
        chosen.add(ofClass.remove(random.nextInt(ofClass.size())));
      }
    }
    return LabeledDatas.subset(all, chosen.stream().sorted().mapToInt(Integer::intValue).toArray());
  }
}
