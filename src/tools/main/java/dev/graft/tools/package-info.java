/**
 * Developer tools that are not part of the library: {@link dev.graft.tools.MakeFixtures} trains the
 * small Fashion-MNIST models in {@code savedmodels/} that Graft's tests and README use.
 */
package dev.graft.tools;
