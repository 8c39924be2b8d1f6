package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No string of the library names a command-line flag: its messages name the library's setters, and the command line
 * says them with its flags (through {@code cli.SettingFlags}). Checked on every string literal of the library's
 * sources; comments may speak of the command line.
 */
class MessagesNameNoFlagTest {

  private static final Path SOURCES = Path.of("src/core/main/java");
  private static final Pattern FLAG = Pattern.compile("--[a-z]");

  @Test
  void noStringLiteralOfTheLibraryNamesAFlag() throws IOException {
    List<String> found = new ArrayList<>();
    int literals = 0;
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        for (Literal literal : literals(Files.readString(file))) {
          literals++;
          if (FLAG.matcher(literal.text()).find()) {
            found.add(SOURCES.relativize(file) + ":" + literal.line() + ": \"" + literal.text() + "\"");
          }
        }
      }
    }
    assertTrue(literals > 1000, "too few string literals found to judge: " + literals);
    assertEquals(List.of(), found, "library strings that name a command-line flag; name the setter instead "
        + "(a SettingMessage token) and give the flag to cli.SettingFlags");
  }

  @Test
  void theScannerSeesLiteralsAndSkipsComments() {
    String source = "// \"--in-a-comment\"\n/* \"--also\" */ String a = \"x --flag\" + '\"' + \"\"\"\n  --block\"\"\";"
        + " char q = '\\''; String b = \"esc \\\" --after-escape\";";
    assertEquals(List.of("x --flag", "\n  --block", "esc \\\" --after-escape"),
        literals(source).stream().map(Literal::text).toList());
    assertEquals(2, literals(source).get(1).line());
  }

  private record Literal(String text, int line) {}

  /** The string literals and text blocks of a Java source, with the line each starts on; comments skipped. */
  private static List<Literal> literals(String src) {
    List<Literal> out = new ArrayList<>();
    int line = 1;
    for (int i = 0; i < src.length(); i++) {
      char c = src.charAt(i);
      if (c == '\n') {
        line++;
      } else if (src.startsWith("//", i)) {
        i = src.indexOf('\n', i) - 1;
        if (i < 0) {
          break;
        }
      } else if (src.startsWith("/*", i)) {
        int end = src.indexOf("*/", i + 2);
        line += count(src, i, end);
        i = end + 1;
      } else if (c == '\'') {
        i = closing(src, i + 1, "'");
      } else if (c == '"') {
        String quote = src.startsWith("\"\"\"", i) ? "\"\"\"" : "\"";
        int start = i + quote.length();
        int end = closing(src, start, quote);
        out.add(new Literal(src.substring(start, end - quote.length() + 1), line));
        line += count(src, i, end);
        i = end;
      }
    }
    return out;
  }

  /** The index of the last character of the {@code quote} that closes a literal begun at {@code from}. */
  private static int closing(String src, int from, String quote) {
    for (int i = from; i < src.length(); i++) {
      if (src.charAt(i) == '\\') {
        i++;
      } else if (src.startsWith(quote, i)) {
        return i + quote.length() - 1;
      }
    }
    throw new IllegalStateException("unclosed literal at " + from);
  }

  private static int count(String src, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      if (src.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }
}
