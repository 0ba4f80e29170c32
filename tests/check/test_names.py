"""The learner's spellings and signatures are found and called (Relu/ReLU, train_flg, renamed arguments)."""

import pytest

from deepkiso.check.names import (
    SUBJECTS,
    adapt,
    call_method,
    call_problem,
    call_with,
    discover,
    find_array,
    locate,
    spelling_note,
    subjects_named,
)


class ReLU:
    pass


class Softmax_with_Loss:
    pass


def relu(x):
    return x


@pytest.mark.parametrize(
    "namespace, expected",
    [
        ({"ReLU": ReLU}, {"Relu": "ReLU"}),
        (
            {"relu": relu},
            {"relu": "relu"},
        ),  # the function is never taken for the layer, nor the reverse
        ({"relu": relu, "ReLU": ReLU}, {"relu": "relu", "Relu": "ReLU"}),
        ({"Softmax_with_Loss": Softmax_with_Loss}, {"SoftmaxWithLoss": "Softmax_with_Loss"}),
        (
            {"SOFTMAX_WITH_LOSS_LAYER": Softmax_with_Loss},
            {"SoftmaxWithLoss": "SOFTMAX_WITH_LOSS_LAYER"},
        ),
        (
            {"_numerical_gradient_no_batch": relu},
            {"numerical_gradient": "_numerical_gradient_no_batch"},
        ),
        (
            {"numerical_gradient": relu, "_numerical_gradient_no_batch": len},
            {"numerical_gradient": "numerical_gradient"},
        ),
        ({"cross_entropy": relu, "np": object()}, {"cross_entropy_error": "cross_entropy"}),
    ],
)
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

    values = [
        (("f", "function"), "f"),
        (("init_x", "start"), "x"),
        (("lr", "eta"), 0.1),
        (("step_num", "steps"), 3),
    ]
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


class Affain_layer:
    pass


class MultLayer:
    pass


def gradient_decent(f, init_x):
    return init_x


def suuchi_bibun(f, x):
    return x


def softmax2(x):
    return x


@pytest.mark.parametrize(
    "namespace, expected",
    [
        (
            {"Affain_layer": Affain_layer},
            {"Affine": "Affain_layer"},
        ),  # a typo, and a word added around the name
        ({"gradient_decent": gradient_decent}, {"gradient_descent": "gradient_decent"}),
        ({"MultLayer": MultLayer}, {"MulLayer": "MultLayer"}),
        (
            {"suuchi_bibun": suuchi_bibun, "numeric_gradient": relu},
            {"numerical_diff": "suuchi_bibun", "numerical_gradient": "numeric_gradient"},
        ),
        (
            {"softmax2": softmax2, "Sgd2": MultLayer},
            {},
        ),  # a numbered helper is another function, not a typo
        (
            {"Sgdd": MultLayer, "relux": relu},
            {},
        ),  # names too short to tell a typo from another name
    ],
)
def test_discover_grades_typos_aliases_and_romanised_names(namespace, expected):
    assert discover(namespace) == expected


def test_spelling_note_says_which_course_name_a_spelling_is_graded_as():
    by_name = {s.name: s for s in SUBJECTS}
    assert spelling_note(by_name["Relu"], "ReLU") == ""  # case and "_" alone say nothing
    assert "another name" in spelling_note(by_name["numerical_gradient"], "numeric_gradient")
    assert "misspelling" in spelling_note(by_name["Affine"], "Affain_layer")


def test_a_signature_the_checks_cannot_call_is_described_not_failed():
    def cross_entropy_error(a, b, c):
        return a

    class Relu:
        def forward(self, x):
            return x

    assert (
        call_problem("cross_entropy_error", cross_entropy_error, "cross_entropy_error")
        == "not graded: expected cross_entropy_error(y, t), found cross_entropy_error(a, b, c)"
    )
    assert (
        call_problem("Relu", Relu, "Relu")
        == "not graded: Relu has no backward method (a forward-only layer)"
    )
    assert call_problem("Relu", Relu, "Relu", needs=("forward",)) == ""


def test_a_loss_named_target_first_is_called_in_the_learners_order():
    def cross_entropy_error(true_label, prediction):
        return ("t", true_label, "y", prediction)

    adapted, notes = adapt("cross_entropy_error", cross_entropy_error)
    assert adapted("Y", "T") == ("t", "T", "y", "Y")
    assert notes == [
        "your cross_entropy_error takes (true_label, prediction), the target first; it is graded "
        "with the arguments in your order"
    ]
    _unchanged, notes = adapt("cross_entropy_error", lambda y, t: None)
    assert notes == []


def test_misspelt_methods_and_an_affine_built_empty_are_called_the_course_way():
    import numpy as np

    class AffineLayer:
        def foward(self, w, x, b):
            self.x, self.w = x, w
            return x @ w + b

        def backword(self, dout):
            return dout @ self.w.T, self.x.T @ dout, dout.sum(axis=0)

    Adapted, notes = adapt("Affine", AffineLayer)
    W, b, x = np.ones((2, 3)), np.arange(3.0), np.ones((4, 2))
    layer = Adapted(W, b)
    assert np.array_equal(layer.forward(x), x @ W + b)
    assert np.array_equal(layer.backward(np.ones((4, 3))), np.full((4, 2), 3.0))
    assert np.array_equal(layer.db, np.full(3, 4.0))
    assert notes == [
        "your method foward is called as the course's forward",
        "your method backword is called as the course's backward",
        "your AffineLayer is built empty and called forward(w, x, b); it is graded as the course's "
        "Affine(W, b).forward(x), with your argument order",
    ]


def test_locate_points_at_the_line_that_computed_the_wrong_value():
    class Affine:
        def backward(self, dout):
            dx = dout
            self.db = dout
            return dx

    assert locate(Affine, "backward: db = dout summed", "db (self.db) has shape (5, 3)").endswith(
        "self.db = dout"
    )
    assert locate(Affine, "backward: dx", "dx of backward(dout) is wrong").endswith("dx = dout")


def test_a_differentiation_function_named_point_first_is_called_in_the_learners_order():
    def numerical_gradient(x, f):
        return f(x)

    adapted, notes = adapt("numerical_gradient", numerical_gradient)
    assert adapted(lambda z: z + 1, 1) == 2
    assert notes == [
        "your numerical_gradient takes (x, f), the point first; it is graded with the arguments in "
        "your order"
    ]
