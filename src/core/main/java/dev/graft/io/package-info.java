/**
 * Files and folders that appear complete or not at all: written under a temporary name beside their target,
 * renamed into place, and the leftovers of killed writers cleaned up (only those Graft itself left).
 */
package dev.graft.io;
