"""Prints the images export_contract.py feeds (numpy's RandomState(0).rand(6, 28, 28, 1)), comma separated."""
import numpy as np

x = np.random.RandomState(0).rand(6, 28, 28, 1).astype(np.float32)
print(",".join(repr(float(v)) for v in x.ravel()))
