/**
 * Graph surgery at the GraphDef level: function inlining, reference-to-resource variables, locating
 * the head, batch-norm training rewrites, and reading and writing variable values.
 */
package dev.graft.graph;
