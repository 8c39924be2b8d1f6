/**
 * Backbone features at a cut: pooled feature passes over data ({@link dev.graft.feature.Featurizer}) and the
 * search that scores candidate cuts with linear probes ({@link dev.graft.feature.CutSearch}).
 */
package dev.graft.feature;
