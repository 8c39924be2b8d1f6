/**
 * Internals of the data package: image decoding and resizing, IDX, CSV and TFRecord file formats.
 * Not part of the public API; names and signatures here may change without notice.
 */
package dev.graft.data.internal;
