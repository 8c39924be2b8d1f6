package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's shape, checked on its compiled classes: its packages form a stack (jdeps finds no
 * cycle between them), and it holds the library only (no command line, tool or benchmark class, no
 * logging binding or CLI library among its dependencies).
 */
class ArchitectureTest {

  private static final Path CLASSES = Path.of("src/core/target/classes");
  private static final Path POM = Path.of("src/core/pom.xml");

  @Test
  void packagesHaveNoCycle() {
    Map<String, Set<String>> edges = packageDependencies();
    assertTrue(edges.size() >= 6, "jdeps found too few packages to judge: " + edges.keySet());
    List<Set<String>> cycles = stronglyConnected(edges).stream().filter(c -> c.size() > 1).toList();
    assertEquals(List.of(), cycles, "package cycles in the library; dependencies: " + edges);
  }

  @Test
  void libraryHoldsNoCommandLineToolOrBenchmarkClass() throws IOException {
    try (Stream<Path> files = Files.walk(CLASSES)) {
      List<String> strays = files.map(p -> CLASSES.relativize(p).toString().replace(File.separatorChar, '/'))
          .filter(p -> p.startsWith("dev/graft/cli") || p.startsWith("dev/graft/tools")
              || p.startsWith("dev/graft/bench") || p.startsWith("dev/graft/spark")
              || p.equals("simplelogger.properties"))
          .toList();
      assertEquals(List.of(), strays);
    }
  }

  @Test
  void libraryDependsOnNoCliLibraryOrLoggingBinding() throws IOException {
    String pom = Files.readString(POM);
    Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(pom);
    Set<String> shipped = new TreeSet<>();
    while (m.find()) {
      String dep = m.group(1);
      if (!dep.contains("<scope>test</scope>")) {
        shipped.add(tag(dep, "artifactId"));
      }
    }
    assertEquals(Set.of("tensorflow-core-api", "tensorflow-core-native", "protobuf-java", "guava", "slf4j-api",
        "jackson-databind"), shipped, "the library's dependencies");
  }

  private static String tag(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
    return m.find() ? m.group(1).trim() : "";
  }

  /** Package-to-package dependencies inside the library, as jdeps reads them from the class files. */
  private static Map<String, Set<String>> packageDependencies() {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new IllegalStateException(
        "no jdeps in this JDK"));
    String modulePath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> p.endsWith(".jar")).collect(Collectors.joining(File.pathSeparator));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = jdeps.run(new PrintWriter(out), new PrintWriter(err), "--multi-release", "17", "--module-path",
        modulePath, "-verbose:package", "-e", "dev\\.graft.*", CLASSES.toString());
    assertEquals(0, code, "jdeps failed: " + err);
    Map<String, Set<String>> edges = new TreeMap<>();
    Pattern line = Pattern.compile("^\\s*(dev\\.graft[\\w.]*)\\s+->\\s+(dev\\.graft[\\w.]*)\\s");
    for (String l : out.toString().split("\\R")) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        edges.computeIfAbsent(m.group(1), k -> new TreeSet<>());
        edges.computeIfAbsent(m.group(2), k -> new TreeSet<>());
        if (!m.group(1).equals(m.group(2))) {
          edges.get(m.group(1)).add(m.group(2));
        }
      }
    }
    return edges;
  }

  /** Tarjan's strongly connected components. */
  private static List<Set<String>> stronglyConnected(Map<String, Set<String>> edges) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> components = new ArrayList<>();
    int[] counter = {0};
    for (String v : edges.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, edges, index, low, stack, onStack, components, counter);
      }
    }
    return components;
  }

  private static void connect(String v, Map<String, Set<String>> edges, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> components,
      int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]++);
    stack.push(v);
    onStack.add(v);
    for (String w : edges.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, edges, index, low, stack, onStack, components, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      components.add(component);
    }
  }
}
