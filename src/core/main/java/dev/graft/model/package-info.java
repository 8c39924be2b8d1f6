/**
 * Loading SavedModels: the meta graph, signatures and variables, and the flattened, restored graph
 * that later stages cut, extend and train ({@link dev.graft.model.LoadedModel}).
 */
package dev.graft.model;
