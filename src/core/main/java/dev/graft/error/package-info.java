/**
 * The library's exceptions: {@link dev.graft.error.GraftException}, raised for a model, data or option Graft cannot
 * use (the message names the problem and the way out), and {@link dev.graft.error.DataException} for unreadable data.
 * Every other package may depend on this one; it depends on none of them.
 */
package dev.graft.error;
