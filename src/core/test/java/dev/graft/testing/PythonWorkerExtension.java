package dev.graft.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's Python worker: started by the first {@link #get()}, so a class whose tests all skip never starts
 * Python, and closed after the class's last test.
 *
 * <pre>{@code
 * @RegisterExtension static final PythonWorkerExtension PYTHON = new PythonWorkerExtension();
 * ...
 * JsonNode answer = PYTHON.get().call(Duration.ofMinutes(1), request);
 * }</pre>
 */
public final class PythonWorkerExtension implements AfterAllCallback {

  private PythonWorker worker;

  /** The worker, started on the first call. */
  public synchronized PythonWorker get() {
    if (worker == null) {
      worker = PythonWorker.start();
    }
    return worker;
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (worker != null) {
      worker.close();
      worker = null;
    }
  }
}
