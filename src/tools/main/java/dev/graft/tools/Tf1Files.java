package dev.graft.tools;

import dev.graft.export.DeterministicProto;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Session;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TString;

/**
 * Writes a SavedModel folder for a graph that carries its own saver (a TF1 graph): runs the
 * saver's save op into {@code variables/variables} and writes {@code saved_model.pb} (map entries
 * in key order, so the same model gives the same bytes), beside the target first and renamed into
 * place at the end.
 */
final class Tf1Files {

  private Tf1Files() {}

  static void write(Path target, Session session, SaverDef saver, MetaGraphDef meta) {
    if (Files.exists(target)) {
      throw new IllegalArgumentException("Export target " + target + " already exists; remove it or choose another --out");
    }
    Path temp = null;
    try {
      Path parent = target.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
      Path prefix = temp.resolve("variables").resolve("variables");
      Files.createDirectories(prefix.getParent());
      try (TString file = TString.scalarOf(prefix.toString())) {
        String filename = saver.getFilenameTensorName();
        String save = saver.getSaveTensorName();
        session.runner().feed(filename, file).addTarget(save.substring(0, save.indexOf(':'))).run();
      }
      SavedModel model = SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build();
      Files.write(temp.resolve("saved_model.pb"), DeterministicProto.toBytes(model));
      Files.move(temp, target);
      temp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("Writing the SavedModel to " + target + " failed: " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          MoreFiles.deleteRecursively(temp, RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException ignored) {
          // best effort: the temporary folder's name starts with a dot and holds no saved_model.pb
        }
      }
    }
  }
}
