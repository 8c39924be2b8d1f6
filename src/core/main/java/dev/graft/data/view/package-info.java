/**
 * What is done with data once it is open, without copying it: subsets, class selection and relabelling, stratified
 * splits and preprocessing views ({@code LabeledDatas}, {@code Splits}), and label counts. Views compose over any
 * reader's {@code LabeledData} and never stack (a view of a view is one view of the base data); batches read
 * through them.
 */
package dev.graft.data.view;
