"""deepkiso (基礎): deep learning from first principles, in NumPy.

The library follows day 2 of a practical deep-learning fundamentals course:
mini-batch learning, numerical differentiation, gradient descent, layers with
backpropagation, two-layer and multi-layer nets, optimizers and gradient checks.
"""

__version__ = "0.1.0"
