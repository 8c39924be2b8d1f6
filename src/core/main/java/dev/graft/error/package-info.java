/**
 * The library's exceptions: {@link dev.graft.error.GraftException}, raised for a model, data or option Graft cannot
 * use (the message names the problem and the way out), {@link dev.graft.error.DataException} for unreadable data and
 * {@link dev.graft.error.SettingException} for a setting out of range. A message that names a setting is a
 * {@link dev.graft.error.SettingMessage}: the library says it with its setters, a front end with its own names.
 * Every other package may depend on this one; it depends on none of them.
 */
package dev.graft.error;
