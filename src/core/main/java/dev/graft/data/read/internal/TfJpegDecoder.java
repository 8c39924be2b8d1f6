package dev.graft.data.read.internal;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeJpeg;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TString;
import org.tensorflow.types.TFloat32;

/**
 * Decodes JPEG images with TensorFlow's own {@code DecodeJpeg} op (libjpeg-turbo), with the attributes
 * {@code tf.io.decode_jpeg} uses by default: the same pixels as a Python {@code tf.data} pipeline, several times faster
 * than ImageIO's decoder (README, "Benchmark").
 *
 * <p>One process-wide instance serves every thread: {@code Session.run} is thread-safe, and the session runs the op in
 * the calling thread (no inter-op pool), so decoding threads stay the caller's. It is made on the first JPEG decoded
 * and closed when the JVM shuts down, after the decodes in flight.
 */
final class TfJpegDecoder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TfJpegDecoder.class);
  private static volatile TfJpegDecoder shared;

  private final Graph graph;
  private final Session session;
  private final Output<TString> input;
  private final Output<TFloat32> output;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private TfJpegDecoder() {
    graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      Placeholder<TString> bytes = tf.withName("jpeg").placeholder(TString.class, Placeholder.shape(Shape.scalar()));
      input = bytes.output();
      // Cast in the graph: the floats then reach Java in one bulk copy, no per-pixel loop.
      output = tf.withName("pixels").dtypes.cast(tf.image.decodeJpeg(bytes, DecodeJpeg.channels(0L)), TFloat32.class)
          .y();
      // Inter-op threads < 0 without per-session threads: each run executes in the calling thread. Intra-op threads
      // 0: TensorFlow's choice, which sets the process's intra-op pool only if this is its first session (Graft's
      // commands load the model before they decode an image).
      session = new Session(graph, ConfigProto.newBuilder().setInterOpParallelismThreads(-1)
          .setIntraOpParallelismThreads(0).build());
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  /** The process's decoder, made on first use. */
  static TfJpegDecoder shared() {
    TfJpegDecoder d = shared;
    if (d == null) {
      synchronized (TfJpegDecoder.class) {
        d = shared;
        if (d == null) {
          d = new TfJpegDecoder();
          TfJpegDecoder made = d;
          Runtime.getRuntime().addShutdownHook(new Thread(made::close, "graft-jpeg-decoder-close"));
          shared = d;
        }
      }
    }
    return d;
  }

  /**
   * Decodes {@code bytes} (a JPEG file) to HWC pixels 0..255, gray or RGB as stored; null when TensorFlow cannot
   * decode them or they have other than 1 or 3 channels (truncated, CMYK: the caller's decoder then reports or
   * handles them).
   *
   * @throws IllegalStateException after {@link #close()}
   */
  ImageDecoder.Image decode(byte[] bytes) {
    return run(bytes, pixels -> {
      float[] out = new float[pixels.values()];
      pixels.copyTo(out, 0);
      return new ImageDecoder.Image(out, pixels.height(), pixels.width(), pixels.channels());
    });
  }

  /**
   * Decodes {@code bytes} (a JPEG file) and writes them in {@code target}'s shape to {@code dst} at {@code offset}:
   * straight from the decoder's output when the image has the target's size and channels; false, with nothing
   * written, when TensorFlow cannot decode them (as {@link #decode}).
   */
  boolean decodeInto(byte[] bytes, ImageTarget target, float[] dst, int offset, String source) {
    Boolean written = run(bytes, pixels -> {
      if (pixels.height() == target.height() && pixels.width() == target.width()
          && pixels.channels() == target.channels()) {
        pixels.copyTo(dst, offset);
      } else {
        float[] image = new float[pixels.values()];
        pixels.copyTo(image, 0);
        target.write(image, pixels.height(), pixels.width(), pixels.channels(), dst, offset, source);
      }
      return Boolean.TRUE;
    });
    return written != null;
  }

  /** The decoded pixels of one run, float values 0..255 in the run's output tensor. */
  private record Pixels(Tensor tensor, int height, int width, int channels) {
    int values() {
      return height * width * channels;
    }

    void copyTo(float[] dst, int offset) {
      tensor.asRawTensor().data().asFloats().read(dst, offset, values());
    }
  }

  /** Runs the decoder on {@code bytes} and hands the pixels to {@code use}; null when TensorFlow cannot decode them. */
  private <T> T run(byte[] bytes, Function<Pixels, T> use) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("The JPEG decoder is closed (the JVM is shutting down)");
      }
      Result result;
      try (TString in = TString.tensorOfBytes(NdArrays.scalarOfObject(bytes))) {
        result = session.runner().feed(input, in).fetch(output).run();
      } catch (IllegalArgumentException | TensorFlowException e) {
        // TensorFlow reports a bad file as TFInvalidArgumentException (an IllegalArgumentException), other failures
        // as TensorFlowException.
        log.debug("TensorFlow could not decode a JPEG ({}); decoding it with ImageIO", e.getMessage());
        return null;
      }
      try (result) {
        Tensor tensor = result.get(0);
        long[] shape = tensor.shape().asArray();
        int channels = Math.toIntExact(shape[2]);
        if (channels != 1 && channels != 3) {
          return null;
        }
        return use.apply(new Pixels(tensor, Math.toIntExact(shape[0]), Math.toIntExact(shape[1]), channels));
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Closes the session and graph once the decodes in flight are done; later decodes fail. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        session.close();
        graph.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
