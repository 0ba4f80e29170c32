"""Is training stuck on a saddle point or a plateau? Ask the gradient and the curvature (2_6 group work).

diagnose_net estimates the lowest and highest eigenvalue of the loss's
Hessian over all of a net's weights from Hessian-vector products (no n × n
matrix), and applies the same rule as classify_point does in 2-D. A tanh net
whose weights all start at 0 (with output biases at the class frequencies')
sits exactly on a saddle point: every hidden unit is the same, the gradient
is 0, and yet there is a way down. Random weights break the symmetry.

    python examples/stall_diagnosis.py
"""

import numpy as np

from deepkiso.data import load_dataset
from deepkiso.landscape import diagnose_net
from deepkiso.nets import MultiLayerNet


def main() -> None:
    (x, t), _ = load_dataset("digits", dtype=np.float64)
    x, t = x[:200], t[:200]
    net = MultiLayerNet(64, [8], 10, activation="tanh", dtype=np.float64, rng=0)
    for param in net.params.values():
        param[...] = 0
    net.params["b2"][...] = np.log(np.bincount(t, minlength=10) / len(t))
    print("all weights 0:  ", diagnose_net(net, x, t))
    net = MultiLayerNet(
        64, [8], 10, activation="tanh", weight_init="xavier", dtype=np.float64, rng=0
    )
    print("random weights: ", diagnose_net(net, x, t))


if __name__ == "__main__":
    main()
