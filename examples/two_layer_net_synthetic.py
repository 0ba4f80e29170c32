"""Train TwoLayerNet by backpropagation on a small synthetic problem and watch the loss fall.

Exercises 2_10 / 2_18 in miniature: three Gaussian blobs in 2-D, mini-batches
of 32 drawn without replacement, plain SGD. Runs in about a second.

    python examples/two_layer_net_synthetic.py
"""

import numpy as np

from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD


def make_blobs(n_per_class: int, rng: np.random.Generator):
    """Three classes of points around the corners of a triangle: x (3n, 2) float32, t (3n,) labels."""
    centres = np.array([[0.0, 2.0], [-1.7, -1.0], [1.7, -1.0]])
    x = np.concatenate([c + 0.6 * rng.standard_normal((n_per_class, 2)) for c in centres])
    t = np.repeat(np.arange(3), n_per_class)
    return x.astype(np.float32), t


def main(n_epochs: int = 10, batch_size: int = 32, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    x, t = make_blobs(200, rng)
    net = TwoLayerNet(2, 16, 3, weight_init_std="he", rng=rng)
    optimizer = SGD(lr=0.1)
    print(f"epoch 0: loss {net.loss(x, t):.4f}, accuracy {net.accuracy(x, t):.3f}")
    for epoch in range(1, n_epochs + 1):
        order = rng.permutation(len(x))  # a fresh order each epoch: sampling without replacement
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            optimizer.update(net.params, net.gradient(x[batch], t[batch]))
        print(f"epoch {epoch}: loss {net.loss(x, t):.4f}, accuracy {net.accuracy(x, t):.3f}")
    return net.accuracy(x, t)


if __name__ == "__main__":
    main()
