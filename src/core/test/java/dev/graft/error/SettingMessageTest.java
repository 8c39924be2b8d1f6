package dev.graft.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One message, two wordings: the library names each setting by its setter, a front end by its own name; every
 * exception of the library that names settings says them the same way.
 */
class SettingMessageTest {

  private static final SettingMessage CONFLICT = SettingMessage.of("Train.Builder",
      Map.of("resume", "optResume", "checkpointDir", "optCheckpointDir"),
      "{resume} needs {checkpointDir}; drop {resume} or pass a folder {unknown}");

  @Test
  void theLibraryNamesTheSetterWhereASettingIsFirstNamed() {
    assertEquals("resume (Train.Builder.optResume) needs checkpointDir (Train.Builder.optCheckpointDir); drop resume "
        + "or pass a folder {unknown}", CONFLICT.text());
    assertEquals(List.of("resume", "checkpointDir"), CONFLICT.settings());
  }

  @Test
  void aFrontEndRendersItsOwnNamesAndLeavesUnnamedTokens() {
    assertEquals("--resume needs --checkpoint; drop --resume or pass a folder {unknown}",
        CONFLICT.render(f -> f.equals("resume") ? "--resume" : "--checkpoint"));
  }

  @Test
  void messagesOfSeveralOwnersKeepTheFirstOwnersName() {
    SettingMessage m = SettingMessage.of("A", Map.of("x", "optX"), "{x} and {y}").and("B", Map.of("x", "setX", "y",
        "setY"));
    assertEquals("x (A.optX) and y (B.setY)", m.text());
    assertEquals("before: x (A.optX) and y (B.setY) after", m.around("before: ", " after").text());
  }

  @Test
  void aPlainMessageRendersAsItIsEvenWithBraces() {
    SettingMessage plain = SettingMessage.plain("a map {epochs} stays");
    assertEquals("a map {epochs} stays", plain.text());
    assertEquals("a map {epochs} stays", plain.render(f -> "--" + f));
    assertEquals(List.of(), plain.settings());
    assertNull(SettingMessage.plain(null).text());
  }

  @Test
  void everyLibraryExceptionSaysItsSettingsTheSameWay() {
    GraftException graft = new GraftException(CONFLICT);
    SettingException setting = new SettingException(CONFLICT);
    DataException data = new DataException("a.csv:3", "bad value; fix it, or pass {skipBad} to skip such items");
    assertEquals(CONFLICT.text(), graft.getMessage());
    assertEquals(CONFLICT.text(), setting.getMessage());
    assertEquals("a.csv:3: bad value; fix it, or pass skipBad (" + DataException.SETTINGS.get("skipBad")
        + ") to skip such items", data.getMessage());
    assertEquals("bad value; fix it, or pass skipBad (" + DataException.SETTINGS.get("skipBad")
        + ") to skip such items", data.reason());
    assertEquals("a.csv:3: bad value; fix it, or pass --skip-bad to skip such items", data.render(f -> "--skip-bad"));
    assertEquals(List.of("skipBad"), data.settings());
    assertSame(CONFLICT, SettingMessage.of(graft));
    assertEquals("plain", SettingMessage.of(new IllegalStateException("plain")).render(f -> "--" + f));
    assertEquals("no settings here", new GraftException("no settings here").render(f -> "--" + f));
  }
}
