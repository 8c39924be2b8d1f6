package dev.graft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.read.InMemoryData;
import dev.graft.data.transform.Preprocessing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A SavedModel written by {@code src/python/make_fixtures.py}, with what its {@code fixture.json} says:
 * the export API, the input, the head layer Graft must find, and Python's reference input and output.
 *
 * @param name the fixture's folder name
 * @param dir the SavedModel folder
 * @param api how Python exported it
 * @param head the layer of the classifier head
 * @param inputShape the example shape (without the batch dimension)
 * @param stringInput whether the input is raw strings
 * @param classes classes of the old head
 * @param preprocess how raw values become model inputs ({@code symmetric}, or {@code none} when the model
 *     takes them as they are)
 * @param inputScale the largest raw input value (255 for pixel values)
 * @param json the whole fixture.json
 */
public record PythonFixture(String name, Path dir, String api, String head, long[] inputShape, boolean stringInput,
    int classes, String preprocess, float inputScale, JsonNode json) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fixture; the calling test is skipped (loudly) when the Python side is not ready. */
  public static PythonFixture of(String name) {
    Path dir = PythonSide.fixture(name);
    JsonNode json;
    try {
      json = JSON.readTree(dir.resolve("fixture.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long[] shape = new long[json.path("input_shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = json.path("input_shape").get(i).asLong();
    }
    return new PythonFixture(name, dir, json.path("api").asText(), json.path("head").asText(), shape,
        "string".equals(json.path("input_dtype").asText()), json.path("classes").asInt(),
        json.path("preprocess").asText("none"), (float) json.path("input_scale").asDouble(1.0), json);
  }

  /**
   * The fixture names for a parameterized test; one placeholder when the Python side is not ready, so
   * that the test runs once and skips with the reason. {@code -Dgraft.fixtures=a,b} keeps only those.
   */
  public static Stream<String> names() {
    List<String> names = PythonSide.fixtureNames();
    String only = System.getProperty("graft.fixtures", "");
    if (!only.isBlank()) {
      List<String> chosen = List.of(only.split(","));
      names = names.stream().filter(chosen::contains).toList();
    }
    return names.isEmpty() ? Stream.of("python-side-unavailable") : names.stream();
  }

  /** Whether it is one of the 224x224 image models. */
  public boolean large() {
    return inputShape.length == 3 && inputShape[0] >= 224;
  }

  /** The scaling Graft applies to raw values for this model. */
  public Preprocessing preprocessing() {
    return Preprocessing.parse(preprocess);
  }

  /** Python's reference input, flattened (float models only). */
  public float[] referenceInput() {
    return ArrayFiles.readFloats(dir.resolve("reference_input.bin"));
  }

  /** Python's reference output of {@code serving_default}, flattened. */
  public float[] referenceOutput() {
    return ArrayFiles.readFloats(dir.resolve("reference_output.bin"));
  }

  /** The reference input's shape, batch first. */
  public long[] referenceInputShape() {
    return longs(json.path("reference_input_shape"));
  }

  /** The texts of the reference input (string models only). */
  public List<String> referenceTexts() {
    List<String> texts = new ArrayList<>();
    json.path("texts").forEach(t -> texts.add(t.asText()));
    return texts;
  }

  /** {@code n} random raw examples (values in [0, inputScale]), flattened, batch first. */
  public float[] randomRaw(int n, long seed) {
    Random random = new Random(seed);
    float[] values = new float[(int) (n * LabeledDatas.product(inputShape))];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat() * inputScale;
    }
    return values;
  }

  /** The shape of {@code n} examples, batch first. */
  public long[] batchShape(int n) {
    long[] shape = new long[inputShape.length + 1];
    shape[0] = n;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    return shape;
  }

  /**
   * {@code n} raw examples that differ from one another as photos do, labelled 0, 1, 2... in turn (relabel them
   * with {@link FeatureTeacher}): texts for string models; images of a random tint and contrast over noise, so
   * that even globally pooled features vary between examples (pure noise averages out); random values otherwise.
   */
  public LabeledData examples(int n, int numClasses, long seed) {
    if (stringInput) {
      return TextData.make(n, seed);
    }
    Random random = new Random(seed);
    int size = (int) LabeledDatas.product(inputShape);
    int channels = inputShape.length == 3 ? (int) inputShape[2] : 1;
    float[] values = new float[n * size];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      float[] tint = new float[channels];
      for (int c = 0; c < channels; c++) {
        tint[c] = random.nextFloat();
      }
      float contrast = inputShape.length == 3 ? 0.2f + 0.8f * random.nextFloat() : 1f;
      for (int j = 0; j < size; j++) {
        float v = (1 - contrast) * tint[j % channels] + contrast * random.nextFloat();
        values[i * size + j] = v * inputScale;
      }
      labels[i] = i % numClasses;
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      names.add("class" + c);
    }
    return InMemoryData.of(values, inputShape.clone(), labels, names);
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asLong();
    }
    return out;
  }

  @Override
  public String toString() {
    return name;
  }
}
