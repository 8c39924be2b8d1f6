/**
 * Runs a model's backbone to its cut (or a Graft export to its predictions) over encoded images, one batch at a
 * time, and keeps feature rows on disk for training a head on them: the shared core of distributed feature runs.
 */
package dev.graft.extract;
