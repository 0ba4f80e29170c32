"""Exercise 2_9 (パラメータ更新): the SGD update of a net's parameters.

Fill in ``SGD.update``; then run ``deepkiso check ex2_9_update.py``.
"""


class SGD:
    """Stochastic gradient descent: W ← W - lr · ∂L/∂W for every parameter."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        """params, grads: dicts of arrays with the same keys and shapes.

        Change each params[key] in place (params[key] -= …): the layers of a
        net hold these very arrays and must see the new values.
        """
        raise NotImplementedError
