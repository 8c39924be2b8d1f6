package dev.graft.testing;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Short raw-text examples for a model whose input is one string per row ({@code [N, 1]}): each is a few
 * words of a small vocabulary, labelled positive when it holds more praising than damning words, so a
 * bag-of-words head can learn the task.
 */
public final class TextData {

  private static final List<String> PRAISE = List.of("wonderful", "great", "music", "story");
  private static final List<String> BLAME = List.of("boring", "dull", "worst", "asleep");
  private static final List<String> FILLER = List.of("the", "a", "film", "plot", "and", "was", "i", "acting");

  private TextData() {}

  /** {@code n} examples labelled {@code negative} (0) or {@code positive} (1). */
  public static LabeledData make(int n, long seed) {
    Random random = new Random(seed);
    List<String> texts = new ArrayList<>();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int label = i % 2;
      List<String> words = new ArrayList<>();
      int strong = 1 + random.nextInt(2);
      for (int w = 0; w < strong; w++) {
        words.add((label == 1 ? PRAISE : BLAME).get(random.nextInt(PRAISE.size())));
      }
      for (int w = 0; w < 2 + random.nextInt(3); w++) {
        words.add(random.nextInt(words.size() + 1), FILLER.get(random.nextInt(FILLER.size())));
      }
      texts.add(String.join(" ", words));
      labels[i] = label;
    }
    return new Texts(texts, labels);
  }

  /** The texts of {@code data}, in order. */
  public static List<String> texts(LabeledData data) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      texts.add(new String(data.readBytes(i), StandardCharsets.UTF_8));
    }
    return texts;
  }

  private record Texts(List<String> texts, int[] labels) implements LabeledData {
    @Override
    public int size() {
      return texts.size();
    }

    @Override
    public long[] exampleShape() {
      return new long[] {1};
    }

    @Override
    public ExampleKind kind() {
      return ExampleKind.STRING;
    }

    @Override
    public List<String> classNames() {
      return List.of("negative", "positive");
    }

    @Override
    public int label(int index) {
      return labels[index];
    }

    @Override
    public void readFloats(int index, float[] dst, int offset) {
      throw new UnsupportedOperationException("text examples: call readBytes");
    }

    @Override
    public byte[] readBytes(int index) {
      return texts.get(index).getBytes(StandardCharsets.UTF_8);
    }
  }
}
