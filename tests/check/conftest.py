"""Learner files for the tests of `deepkiso check`, written into tmp directories, and their reports.

COURSE is a learner's file in the course's own style (the book's code: one-hot
targets, a delta inside the log, Relu zeroing dout in place): it must pass
every check, with notes only. Planted bugs are one-line replacements in
COURSE, so each bug file differs from a passing file by exactly that line.
Each file is checked once per session (a child process costs about a second).
"""

from pathlib import Path

import pytest

from deepkiso.check import check_file

REFERENCE = """\
import numpy as np
from deepkiso.functions import sigmoid, relu, softmax, cross_entropy_error, sum_squared_error
from deepkiso.differentiation import numerical_diff, numerical_gradient, gradient_descent
from deepkiso.layers import AddLayer, MulLayer, ReLU as Relu, Sigmoid, Tanh, Affine, SoftmaxWithLoss, SquaredError
from deepkiso.nets import SimpleNet
from deepkiso.nets import TwoLayerNet as _TwoLayerNet
from deepkiso.optimizers import SGD


class TwoLayerNet(_TwoLayerNet):
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        super().__init__(input_size, hidden_size, output_size, weight_init_std, dtype=np.float64)


def minibatches(x, t, batch_size, shuffle=True, replace=False):
    if replace:
        yield from minibatches_with_replacement(x, t, batch_size)
        return
    order = np.random.permutation(len(x)) if shuffle else np.arange(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        yield x[batch], t[batch]


def minibatches_with_replacement(x, t, batch_size):
    for _ in range(-(-len(x) // batch_size)):
        batch = np.random.choice(len(x), batch_size)
        yield x[batch], t[batch]


def train(network, x_train, t_train, learning_rate=0.1, batch_size=10, iters_num=30):
    optimizer = SGD(lr=learning_rate)
    for _ in range(iters_num):
        batch = np.random.choice(len(x_train), batch_size, replace=False)
        optimizer.update(network.params, network.gradient(x_train[batch], t_train[batch]))
"""

COURSE = """\
import numpy as np
from collections import OrderedDict


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x - h)) / (2 * h)


def _numerical_gradient_no_batch(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x
    for i in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def mean_squared_error(y, t):
    return 0.5 * np.sum((y - t) ** 2)


class simpleNet:
    def __init__(self):
        self.W = np.random.randn(2, 3)

    def predict(self, x):
        return np.dot(x, self.W)

    def loss(self, x, t):
        z = self.predict(x)
        y = softmax(z)
        return cross_entropy_error(y, t)


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        dx = dout * 1
        dy = dout * 1
        return dx, dy


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = sigmoid(x)
        self.out = out
        return out

    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        out = np.dot(self.x, self.W) + self.b
        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        dx = dx.reshape(*self.original_x_shape)
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['Relu1'] = Relu()
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def accuracy(self, x, t):
        y = self.predict(x)
        y = np.argmax(y, axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        loss_W = lambda W: self.loss(x, t)
        grads = {}
        grads['W1'] = numerical_gradient(loss_W, self.params['W1'])
        grads['b1'] = numerical_gradient(loss_W, self.params['b1'])
        grads['W2'] = numerical_gradient(loss_W, self.params['W2'])
        grads['b2'] = numerical_gradient(loss_W, self.params['b2'])
        return grads

    def gradient(self, x, t):
        self.loss(x, t)
        dout = 1
        dout = self.lastLayer.backward(dout)
        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)
        grads = {}
        grads['W1'], grads['b1'] = self.layers['Affine1'].dW, self.layers['Affine1'].db
        grads['W2'], grads['b2'] = self.layers['Affine2'].dW, self.layers['Affine2'].db
        return grads


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params.keys():
            params[key] -= self.lr * grads[key]


def get_minibatches(x, t, batch_size, shuffle=True):
    n = x.shape[0]
    index = np.random.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        batch = index[start:start + batch_size]
        yield x[batch], t[batch]


def train(network, x_train, t_train, learning_rate=0.1, batch_size=10, iters_num=100):
    train_size = x_train.shape[0]
    losses = []
    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]
        losses.append(network.loss(x_batch, t_batch))
    return losses


if __name__ == "__main__":
    raise SystemExit("deepkiso check imports this file as a module, so this line never runs")
"""


def plant(bugs: list[tuple[str, str]]) -> str:
    """COURSE with each (correct line, buggy line) replaced; fails loudly if a line is not there."""
    source = COURSE
    for correct, buggy in bugs:
        assert source.count(correct) == 1, (
            f"the planted bug's target is not in COURSE once: {correct!r}"
        )
        source = source.replace(correct, buggy)
    return source


# Bugs in different names, so one file (one child process) carries several of them.
BUGS_A = [
    ("        self.db = np.sum(dout, axis=0)", "        self.db = dout"),
    (
        "        out = x.copy()\n        out[self.mask] = 0\n        return out",
        "        x[self.mask] = 0\n        return x",
    ),
    ("    x = x - np.max(x)\n    return np.exp(x)", "    return np.exp(x)"),
    ("        x = x - np.max(x, axis=0)\n", ""),
    ("    return (f(x + h) - f(x - h)) / (2 * h)", "    return (f(x + h) - f(x)) / h"),
    (
        "        grad[idx] = (fxh1 - fxh2) / (2 * h)\n        x[idx] = tmp_val\n        it.iternext()",
        "        grad[idx] = (fxh1 - fxh2) / (2 * h)\n        it.iternext()",
    ),
    (
        "        self.loss = cross_entropy_error(self.y, self.t)\n",
        "        self.loss = cross_entropy_error(self.y, self.t) / self.t.shape[0]\n",
    ),
    ("        dx = dout * (1.0 - self.out) * self.out", "        dx = (1.0 - self.out) * self.out"),
]
BUGS_B = [
    ("        dx = np.dot(dout, self.W.T)", "        dx = np.dot(dout, self.W)"),
    (
        "        dx = dout * self.y\n        dy = dout * self.x",
        "        dx = dout * self.x\n        dy = dout * self.y",
    ),
    (
        "    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size",
        "    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7))",
    ),
    ("        x -= lr * grad", "        x += lr * grad"),
    (
        "        dout[self.mask] = 0\n        dx = dout",
        "        dx = np.where(self.mask, 0.0, 1.0)",
    ),
    (
        "            params[key] -= self.lr * grads[key]",
        "            params[key] = params[key] - self.lr * grads[key]",
    ),
    (
        "        batch_mask = np.random.choice(train_size, batch_size)\n",
        "        batch_mask = np.random.choice(train_size, batch_size)\n        break\n",
    ),
]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def learner_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("learner")


@pytest.fixture(scope="session")
def reference_report(learner_dir):
    return check_file(write(learner_dir, "reference.py", REFERENCE))


@pytest.fixture(scope="session")
def course_report(learner_dir):
    return check_file(write(learner_dir, "course.py", COURSE))


@pytest.fixture(scope="session")
def bugs_a_report(learner_dir):
    return check_file(write(learner_dir, "bugs_a.py", plant(BUGS_A)))


@pytest.fixture(scope="session")
def bugs_b_report(learner_dir):
    return check_file(write(learner_dir, "bugs_b.py", plant(BUGS_B)))


@pytest.fixture
def result():
    """result(report, check_id): the one Result of that check."""

    def find(report, check_id):
        hits = [r for r in report.results if r.id == check_id]
        assert len(hits) == 1, (
            f"{check_id}: {len(hits)} results in {[r.id for r in report.results]}"
        )
        return hits[0]

    return find


@pytest.fixture
def learner_file(tmp_path):
    """learner_file(name, text): the text written to tmp_path/name, as a learner's file."""
    return lambda name, text: write(tmp_path, name, text)
