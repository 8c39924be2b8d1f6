package dev.graft.feature;

import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.error.SettingException;
import dev.graft.graph.CutCandidates;
import dev.graft.graph.Pooling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * Chooses where to cut by measuring: the features of a few candidate cuts are computed for a sample of the training
 * data (every candidate in the same forward pass), a linear probe is trained on each, and the candidate whose probe
 * scores best on validation examples wins (accuracy, then balanced accuracy, then loss, then nearness to the head).
 *
 * <pre>{@code
 * CutSearch.Result result = model.chooseCut(train, validation, CutSearch.Options.defaults());
 * System.out.println(result.best().layer());
 * }</pre>
 */
public final class CutSearch {

  /**
   * How the search runs.
   *
   * @param candidates how many cuts nearest the head are scored
   * @param trainExamples training examples sampled for the probes
   * @param valExamples validation examples sampled for the scores (a fifth of the training sample without
   *     validation data)
   * @param seed the seed of the samples
   */
  public record Options(int candidates, int trainExamples, int valExamples, long seed) {
    public Options {
      if (candidates < 1) {
        throw invalid("The cut search needs at least 1 candidate cut, got {candidates} " + candidates);
      }
      if (trainExamples < 2 || valExamples < 1) {
        throw invalid("The cut search needs at least 2 training and 1 validation example for its probes, got "
            + "{trainExamples} " + trainExamples + " and {valExamples} " + valExamples);
      }
    }

    private static SettingException invalid(String template) {
      return new SettingException("CutSearch.Options", Map.of("candidates", "candidates", "trainExamples",
          "trainExamples", "valExamples", "valExamples"), template);
    }

    /** 4 candidates, 1000 training and 500 validation examples, seed 42. */
    public static Options defaults() {
      return new Options(4, 1000, 500, 42);
    }

    /** The same options with another seed. */
    public Options withSeed(long other) {
      return new Options(candidates, trainExamples, valExamples, other);
    }
  }

  /**
   * One scored candidate.
   *
   * @param layer the layer name
   * @param tensor the cut tensor
   * @param shape its shape
   * @param featureSize features per example after pooling
   * @param accuracy the probe's validation accuracy
   * @param balancedAccuracy the probe's mean per-class validation recall
   * @param loss the probe's validation cross-entropy
   * @param sameAs the layer whose (pooled) features this candidate's equal, so it was not probed again; or null
   */
  public record Row(String layer, String tensor, String shape, long featureSize, double accuracy,
      double balancedAccuracy, double loss, String sameAs) {}

  /**
   * What the search measured.
   *
   * @param rows the candidates, nearest the head first
   * @param chosen the index of the winner in {@code rows}
   * @param trainExamples training examples the probes learned from
   * @param valExamples validation examples they were scored on
   * @param forwardRuns {@code Session.run} calls of the feature passes (one per batch, all candidates at once)
   * @param seconds time the search took
   */
  public record Result(List<Row> rows, int chosen, int trainExamples, int valExamples, int forwardRuns,
      double seconds) {
    public Result {
      rows = List.copyOf(rows);
    }

    /** The winning candidate. */
    public Row best() {
      return rows.get(chosen);
    }
  }

  private CutSearch() {}

  /**
   * Scores {@code candidates} (at least one) on samples of {@code train} and {@code validation} (null: a fifth of
   * the training sample is held out instead).
   *
   * @param input the model input tensor
   * @param pooling how the candidates' maps are pooled (the run's pooling)
   * @param preprocessing how raw example values are scaled (as training scales them)
   */
  public static Result run(Graph graph, Session session, String input, List<CutCandidates.Candidate> candidates,
      Pooling pooling, LabeledData train, LabeledData validation, Preprocessing preprocessing, Options options) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("The cut search needs at least one candidate cut");
    }
    long start = System.nanoTime();
    LabeledData fit;
    LabeledData score;
    if (validation != null) {
      fit = sample(train, options.trainExamples(), options.seed());
      score = sample(validation, options.valExamples(), options.seed() + 1);
    } else {
      LabeledData all = sample(train, options.trainExamples(), options.seed());
      // Every fifth example is held out: the sample is in data order, so this takes some of every class.
      List<Integer> fitIdx = new ArrayList<>();
      List<Integer> scoreIdx = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        (i % 5 == 2 && scoreIdx.size() < options.valExamples() ? scoreIdx : fitIdx).add(i);
      }
      fit = LabeledDatas.subset(all, fitIdx.stream().mapToInt(Integer::intValue).toArray());
      score = LabeledDatas.subset(all, scoreIdx.stream().mapToInt(Integer::intValue).toArray());
    }
    List<String> tensors = candidates.stream().map(CutCandidates.Candidate::tensor).toList();
    Featurizer featurizer = Featurizer.of(graph, session, input, tensors, pooling, preprocessing);
    Features fitFeatures = features(featurizer, fit);
    Features scoreFeatures = features(featurizer, score);
    int classes = train.classNames().size();
    List<Row> rows = new ArrayList<>();
    int chosen = 0;
    for (int c = 0; c < candidates.size(); c++) {
      CutCandidates.Candidate candidate = candidates.get(c);
      int width = (int) featurizer.featureSize(c);
      String sameAs = null;
      LinearProbe.Score s = null;
      for (int p = 0; p < c && sameAs == null; p++) {
        if (fitFeatures.values.get(p).length == fitFeatures.values.get(c).length
            && equal(fitFeatures.values.get(p), fitFeatures.values.get(c))) {
          sameAs = rows.get(p).sameAs() != null ? rows.get(p).sameAs() : rows.get(p).layer();
          Row twin = rows.get(p);
          s = new LinearProbe.Score(twin.accuracy(), twin.balancedAccuracy(), twin.loss());
        }
      }
      if (s == null) {
        s = LinearProbe.fit(fitFeatures.values.get(c), fitFeatures.labels, scoreFeatures.values.get(c),
            scoreFeatures.labels, width, classes);
      }
      rows.add(new Row(candidate.layer(), candidate.tensor(), candidate.shape().toString().replace(" ", ""), width,
          s.accuracy(), s.balancedAccuracy(), s.loss(), sameAs));
      if (sameAs == null && better(rows.get(c), rows.get(chosen))) {
        chosen = c;
      }
    }
    return new Result(rows, chosen, fitFeatures.labels.length, scoreFeatures.labels.length, featurizer.runs(),
        (System.nanoTime() - start) / 1e9);
  }

  private static boolean better(Row a, Row b) {
    if (a.accuracy() != b.accuracy()) {
      return a.accuracy() > b.accuracy();
    }
    if (a.balancedAccuracy() != b.balancedAccuracy()) {
      return a.balancedAccuracy() > b.balancedAccuracy();
    }
    return a.loss() < b.loss();
  }

  /** Feature rows of every candidate for one data set, with the labels of the examples that were read. */
  private static final class Features {
    final List<float[]> values = new ArrayList<>();
    int[] labels;
  }

  private static Features features(Featurizer featurizer, LabeledData data) {
    int n = data.size();
    Features out = new Features();
    for (int c = 0; c < featurizer.tensors(); c++) {
      out.values.add(new float[Math.toIntExact(n * featurizer.featureSize(c))]);
    }
    int[] labels = new int[n];
    int[] filled = {0};
    featurizer.pass(data, false, (batch, tensors) -> {
      int k = batch.size();
      for (int c = 0; c < tensors.size(); c++) {
        int size = (int) featurizer.featureSize(c);
        Tensor t = tensors.get(c);
        t.asRawTensor().data().asFloats().read(out.values.get(c), filled[0] * size, k * size);
      }
      for (int i = 0; i < k; i++) {
        labels[filled[0] + i] = batch.label(i);
      }
      filled[0] += k;
    });
    out.labels = labels;
    return out;
  }

  private static boolean equal(float[] a, float[] b) {
    float scale = 0;
    for (float v : a) {
      scale = Math.max(scale, Math.abs(v));
    }
    float tolerance = 1e-5f * (1 + scale);
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > tolerance) {
        return false;
      }
    }
    return true;
  }

  /** Up to {@code max} examples of {@code data}, drawn without replacement from {@code seed}. */
  private static LabeledData sample(LabeledData data, int max, long seed) {
    int n = data.size();
    if (n <= max) {
      return data;
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < max; i++) {
      int j = i + random.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[] chosen = java.util.Arrays.copyOf(order, max);
    java.util.Arrays.sort(chosen);
    return LabeledDatas.subset(data, chosen);
  }
}
