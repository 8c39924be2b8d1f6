/**
 * Graph rewriting that callers never use directly: function-call inlining and the op registry it reads
 * output-argument layouts from. Not exported by the module.
 */
package dev.graft.graph.internal;
