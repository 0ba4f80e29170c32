import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from deepkiso.differentiation import check_net_gradient
from deepkiso.functions import to_one_hot
from deepkiso.kernels import FastAffine, FastSoftmaxWithLoss
from deepkiso.layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss, Tanh
from deepkiso.nets import MultiLayerNet, SimpleNet, TwoLayerNet
from deepkiso.optimizers import SGD


def _batch(seed, n, d, c):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


def test_simple_net_numerical_gradient_matches_backprop_on_the_exercise_input():
    net = SimpleNet(rng=0)
    x, t = np.array([0.6, 0.9]), 2
    numeric, analytic = net.numerical_gradient(x, t)["W"], net.gradient(x, t)["W"]
    assert numeric.shape == (2, 3)
    np.testing.assert_allclose(numeric, analytic, rtol=1e-6, atol=1e-9)
    assert np.all(analytic[:, 2] < 0)  # raising the right class's score lowers the loss


def test_simple_net_accepts_a_batch_and_one_hot_targets():
    net = SimpleNet(rng=1)
    x, t = _batch(0, 4, 2, 3)
    np.testing.assert_allclose(net.gradient(x, t)["W"], net.gradient(x, to_one_hot(t, 3))["W"])
    np.testing.assert_allclose(
        net.numerical_gradient(x, t)["W"], net.gradient(x, t)["W"], rtol=1e-6, atol=1e-9
    )


def test_two_layer_net_has_the_courses_parameter_shapes_and_dtype():
    net = TwoLayerNet(784, 50, 10)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (784, 50),
        "b1": (50,),
        "W2": (50, 10),
        "b2": (10,),
    }
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert net.predict(np.zeros((3, 784))).dtype == np.float32
    assert float(np.std(net.params["W1"])) == pytest.approx(0.01, rel=0.05)
    assert not net.params["b1"].any()


@given(
    st.sampled_from(["relu", "sigmoid", "tanh"]),
    st.sampled_from(["softmax", "squared"]),
    st.integers(1, 4),
    st.integers(1, 5),
    st.integers(2, 4),
    st.integers(0, 2**16),
)
def test_two_layer_net_backprop_matches_numerical_gradient(
    activation, loss, n, hidden, classes, seed
):
    net = TwoLayerNet(
        3,
        hidden,
        classes,
        weight_init_std=1.0,
        activation=activation,
        loss=loss,
        dtype=np.float64,
        rng=seed,
    )
    x, labels = _batch(seed, n, 3, classes)
    t = labels if loss == "softmax" else np.random.default_rng(seed).standard_normal((n, classes))
    # A ReLU unit whose input lies within h of 0 has no derivative there; skip such rare draws.
    assume(activation != "relu" or np.all(np.abs(x @ net.params["W1"] + net.params["b1"]) > 1e-3))
    analytic = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    for name in net.params:
        np.testing.assert_allclose(
            analytic[name], numeric[name], rtol=1e-5, atol=1e-7, err_msg=name
        )


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_multi_layer_net_passes_the_gradient_check(activation):
    net = MultiLayerNet(
        5, [6, 4, 3], 3, activation=activation, weight_init="xavier", dtype=np.float64, rng=2
    )
    x, t = _batch(1, 7, 5, 3)
    report = check_net_gradient(net, x, t)
    assert report.passed, str(report)
    assert [c.name for c in report.checks] == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]


def test_multi_layer_net_is_built_from_the_same_layers():
    net = MultiLayerNet(4, [3, 3], 2, activation="tanh")
    # The fast forms of the course's layers (deepkiso.kernels), which are Affine and SoftmaxWithLoss too.
    assert [type(layer) for layer in net.layers] == [FastAffine, Tanh, FastAffine, Tanh, FastAffine]
    assert (
        all(isinstance(layer, Affine) for layer in net.affine_layers)
        and len(net.affine_layers) == 3
    )
    assert type(net.last_layer) is FastSoftmaxWithLoss and isinstance(
        net.last_layer, SoftmaxWithLoss
    )
    assert net.layers[0].params["W"] is net.params["W1"]
    assert [type(layer) for layer in TwoLayerNet(4, 3, 2, activation="sigmoid").layers] == [
        FastAffine,
        Sigmoid,
        FastAffine,
    ]
    assert isinstance(TwoLayerNet(4, 3, 2).layers[1], ReLU)


@pytest.mark.parametrize(
    "init, fan_in, expected",
    [("he", 200, np.sqrt(2 / 200)), ("xavier", 200, np.sqrt(1 / 200)), (0.5, 200, 0.5)],
)
def test_weight_initialisation_sets_the_standard_deviation(init, fan_in, expected):
    net = MultiLayerNet(fan_in, [300], 2, weight_init=init, rng=0)
    assert float(np.std(net.params["W1"])) == pytest.approx(expected, rel=0.03)


def test_nets_are_reproducible_from_a_seed_or_generator():
    a, b = TwoLayerNet(5, 4, 3, rng=7), TwoLayerNet(5, 4, 3, rng=np.random.default_rng(7))
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(TwoLayerNet(5, 4, 3, rng=8).params["W1"], a.params["W1"])


def test_accuracy_accepts_labels_or_one_hot():
    net = TwoLayerNet(2, 3, 2, rng=0)
    net.params["W2"][...] = 0
    net.params["b2"][...] = [0.0, 1.0]  # always predicts class 1
    x = np.zeros((4, 2))
    t = np.array([1, 1, 0, 1])
    assert net.accuracy(x, t) == 0.75
    assert net.accuracy(x, to_one_hot(t, 2)) == 0.75


def test_accuracy_refuses_a_single_output_regression_net():
    with pytest.raises(ValueError, match="regression net"):
        TwoLayerNet(1, 4, 1, loss="squared").accuracy(np.zeros((2, 1)), np.zeros(2))


def test_two_layer_net_learns_a_separable_problem_with_sgd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2)).astype(np.float32)
    t = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    net = TwoLayerNet(2, 16, 2, weight_init_std="he", rng=0)
    optimizer = SGD(lr=0.5)
    first = net.loss(x, t)
    for _ in range(200):
        optimizer.update(net.params, net.gradient(x, t))
    assert net.loss(x, t) < first / 5
    assert net.accuracy(x, t) >= 0.97


def test_two_layer_net_fits_a_regression_curve():
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    t = np.sin(3 * x)
    net = TwoLayerNet(1, 32, 1, weight_init_std="xavier", activation="tanh", loss="squared", rng=0)
    optimizer = SGD(lr=0.2)
    for _ in range(1500):
        optimizer.update(net.params, net.gradient(x, t))
    assert net.loss(x, t) < 0.01


def test_state_dict_round_trip_changes_nothing_and_keeps_the_arrays():
    net = TwoLayerNet(4, 3, 2, rng=0)
    W1 = net.params["W1"]
    state = net.state_dict()
    net.params["W1"] += 1
    net.load_state_dict(state)
    assert net.params["W1"] is W1
    np.testing.assert_array_equal(net.params["W1"], state["W1"])


def test_load_state_dict_lists_every_mismatch_and_changes_nothing():
    net = TwoLayerNet(4, 3, 2, rng=0)
    before = net.state_dict()
    state = TwoLayerNet(5, 3, 2).state_dict()
    del state["b2"]
    state["W9"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "W1: saved shape (5, 3), net has shape (4, 3)" in message
    assert "b2: missing" in message and "W9: in the saved state but not in the net" in message
    np.testing.assert_array_equal(net.params["W1"], before["W1"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"activation": "softplus"},
            r"unknown activation 'softplus'; choose one of \['relu', 'sigmoid', 'tanh'\]",
        ),
        ({"loss": "hinge"}, r"unknown loss 'hinge'"),
        ({"weight_init": "glorot"}, r"unknown weight_init 'glorot'"),
    ],
)
def test_bad_net_settings_name_the_allowed_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiLayerNet(2, [2], 2, **kwargs)


def test_a_wrong_input_size_names_the_affine_layer_and_shapes():
    with pytest.raises(
        ValueError, match=r"Affine: expected input of shape \(N, 784\).*got shape \(2, 64\)"
    ):
        TwoLayerNet(784, 10, 10).predict(np.zeros((2, 64)))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("one_hot", [False, True])
@given(n=st.integers(1, 9), seed=st.integers(0, 2**16))
def test_gradient_unchecked_gives_gradient_s_numbers_bit_for_bit(
    activation, dtype, one_hot, n, seed
):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype(dtype)
    t = rng.integers(0, 4, n)
    if one_hot:
        t = to_one_hot(t, 4, dtype=dtype)
    checked = MultiLayerNet(6, [5, 3], 4, activation=activation, dtype=dtype, rng=seed)
    unchecked = MultiLayerNet(6, [5, 3], 4, activation=activation, dtype=dtype, rng=seed)
    assert unchecked.fits_unchecked(x, t)
    expected = {k: g.copy() for k, g in checked.gradient(x.copy(), t).items()}
    received = unchecked.gradient_unchecked(x.copy(), t)
    assert expected.keys() == received.keys()
    assert all(expected[k].tobytes() == received[k].tobytes() for k in expected)
    assert checked.last_layer.loss == unchecked.last_layer.loss


def test_data_that_does_not_fit_the_unchecked_gradient_trains_through_the_checked_one():
    net = MultiLayerNet(6, [5], 4, rng=0)
    x, labels = np.zeros((3, 6), np.float32), np.array([0, 1, 3])
    assert net.fits_unchecked(x, labels)
    assert not net.fits_unchecked(
        x.astype(np.float64), labels
    )  # another dtype: converted per batch
    assert not net.fits_unchecked(
        np.zeros((3, 2, 3), np.float32), labels
    )  # images: flattened per batch
    assert not net.fits_unchecked(x, np.array([0, 1, 4]))  # a label out of range: refused per batch
    assert not net.fits_unchecked(x, np.array([0, -1, 2]))
    assert not net.fits_unchecked(x, np.zeros((3, 3), np.float32))  # targets of the wrong width

    class OwnGradient(MultiLayerNet):
        def gradient(self, x, t):
            return super().gradient(x, t)

    assert not OwnGradient(6, [5], 4, rng=0).fits_unchecked(x, labels)  # trained its own way
    regression = MultiLayerNet(6, [5], 2, loss="squared", rng=0)
    assert not regression.fits_unchecked(x, np.zeros((3, 2), np.float32))


def test_gradient_unchecked_follows_a_layer_swapped_in_after_its_first_call():
    """It looks the layers' methods up once and again when the layers change (other objects)."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 6)).astype(np.float32), np.array([0, 1, 2, 3])
    net = MultiLayerNet(6, [5], 4, rng=0)
    net.gradient_unchecked(x, t)
    net.layers[1] = Sigmoid()  # in place: the same list, another activation
    received = {k: g.copy() for k, g in net.gradient_unchecked(x, t).items()}
    expected = net.gradient(x, t)
    assert all(received[k].tobytes() == expected[k].tobytes() for k in expected)
