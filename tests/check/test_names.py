"""The learner's spellings and signatures are found and called (Relu/ReLU, train_flg, renamed arguments)."""

import pytest

from deepkiso.check.names import SUBJECTS, call_method, call_with, discover, find_array, subjects_named


class ReLU:
    pass


class Softmax_with_Loss:
    pass


def relu(x):
    return x


@pytest.mark.parametrize("namespace, expected", [
    ({"ReLU": ReLU}, {"Relu": "ReLU"}),
    ({"relu": relu}, {"relu": "relu"}),  # the function is never taken for the layer, nor the reverse
    ({"relu": relu, "ReLU": ReLU}, {"relu": "relu", "Relu": "ReLU"}),
    ({"Softmax_with_Loss": Softmax_with_Loss}, {"SoftmaxWithLoss": "Softmax_with_Loss"}),
    ({"SOFTMAX_WITH_LOSS_LAYER": Softmax_with_Loss}, {"SoftmaxWithLoss": "SOFTMAX_WITH_LOSS_LAYER"}),
    ({"_numerical_gradient_no_batch": relu}, {"numerical_gradient": "_numerical_gradient_no_batch"}),
    ({"numerical_gradient": relu, "_numerical_gradient_no_batch": len}, {"numerical_gradient": "numerical_gradient"}),
    ({"cross_entropy": relu, "np": object()}, {"cross_entropy_error": "cross_entropy"}),
])
def test_discover_accepts_the_common_spellings(namespace, expected):
    assert discover(namespace) == expected


def test_subjects_named_matches_exactly_first_then_up_to_case():
    assert [s.name for s in subjects_named("relu")] == ["relu"]
    assert [s.name for s in subjects_named("RELU")] == ["relu", "Relu"]
    assert subjects_named("nothing") == []
    assert len({s.name for s in SUBJECTS}) == len(SUBJECTS)


def test_call_with_uses_the_learners_argument_names_or_positions():
    def descend(f, init_x, lr=0.01, step_num=100):
        return (f, init_x, lr, step_num)

    def renamed(function, start, eta, steps):
        return (function, start, eta, steps)

    def unusual(g, x0, a, n):
        return (g, x0, a, n)

    values = [(("f", "function"), "f"), (("init_x", "start"), "x"), (("lr", "eta"), 0.1), (("step_num", "steps"), 3)]
    assert call_with(descend, values) == ("f", "x", 0.1, 3)
    assert call_with(renamed, values) == ("f", "x", 0.1, 3)
    assert call_with(unusual, values) == ("f", "x", 0.1, 3)


def test_the_training_flag_is_passed_where_a_method_takes_one():
    def predict(x, train_flg=False):
        return (x, train_flg)

    def plain(x):
        return x

    assert call_method(predict, 1, training=True) == (1, True)
    assert call_method(plain, 1, training=True) == 1
    assert call_with(predict, [(("x",), 2)], training=True) == (2, True)


def test_find_array_looks_in_attributes_then_in_dicts():
    class Layer:
        def __init__(self):
            self.grads = {"W": 1}

    assert find_array(Layer(), ("dW",), ("grads",), ("W",)) == ("self.grads['W']", 1)
    layer = Layer()
    layer.dW = 2
    assert find_array(layer, ("dW",), ("grads",), ("W",)) == ("self.dW", 2)
    assert find_array(Layer(), ("db",), ("grads",), ("b",)) is None
