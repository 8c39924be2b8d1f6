package dev.graft.error;

/**
 * A failure the user can act on: the message names what was expected, what was found and the way out.
 *
 * <p>The command line prints the message alone (no stack trace) and exits with status 1.
 */
public class GraftException extends RuntimeException {

  public GraftException(String message) {
    super(message);
  }

  public GraftException(String message, Throwable cause) {
    super(message, cause);
  }
}
