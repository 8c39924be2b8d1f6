/**
 * Internals of the readers: image decoding and resizing, the IDX, CSV and TFRecord file formats.
 * Not part of the public API; names and signatures here may change without notice.
 */
package dev.graft.data.read.internal;
