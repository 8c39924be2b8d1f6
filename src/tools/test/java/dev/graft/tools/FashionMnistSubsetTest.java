package dev.graft.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.graft.data.read.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistSubsetTest {

  @Test
  void subsetProgramReproducesTheBundledFiles(@TempDir Path out) throws Exception {
    Path dir = FashionMnist.DEBIAN_DIR;
    assumeTrue(Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte.gz")), "Debian's Fashion-MNIST is not installed");
    FashionMnistSubset.write(dir, out, FashionMnist.Split.TEST, FashionMnistSubset.TEST_PER_CLASS);
    for (String name : List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
      try (var in = FashionMnist.class.getResourceAsStream(FashionMnist.RESOURCE_DIR + name)) {
        assertArrayEquals(in.readAllBytes(), Files.readAllBytes(out.resolve(name)), name);
      }
    }
  }
}
