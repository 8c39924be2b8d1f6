/**
 * What happens to an example's values between reading and the model: {@code Preprocessing} scales raw pixels into
 * the model's input range, {@code Augmentation} makes random training-time changes to images. Pure functions over
 * float arrays, below the views that apply them and the batches that use them.
 */
package dev.graft.data.transform;
