import numpy as np
import pytest

from deepkiso.optimizers import OPTIMIZERS, SGD, Momentum, make_optimizer

# Learning rates that make each optimizer descend the quadratic below in 300 steps.
SETTINGS = {"sgd": 0.1, "momentum": 0.05, "adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1}


def quadratic(params):
    """f = x²/20 + y² (the slides' elongated bowl) and its gradient."""
    p = params["p"]
    return float(p[0] ** 2 / 20 + p[1] ** 2), {"p": np.array([p[0] / 10, 2 * p[1]], dtype=p.dtype)}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_descends_a_quadratic_in_place(name):
    params = {"p": np.array([-7.0, 2.0])}
    p = params["p"]
    optimizer = make_optimizer(name, lr=SETTINGS[name])
    start, _ = quadratic(params)
    for _ in range(300):
        optimizer.update(params, quadratic(params)[1])
    assert params["p"] is p
    assert quadratic(params)[0] < start / 20


def test_sgd_is_exactly_w_minus_lr_times_grad():
    params = {"W": np.array([1.0, 2.0])}
    SGD(lr=0.5).update(params, {"W": np.array([2.0, -2.0])})
    np.testing.assert_array_equal(params["W"], [0.0, 3.0])


def test_momentum_accumulates_velocity():
    params = {"W": np.array([0.0])}
    opt = Momentum(lr=1.0, momentum=0.5)
    for _ in range(2):
        opt.update(params, {"W": np.array([1.0])})
    # v1 = -1, v2 = 0.5·(-1) - 1 = -1.5; W = -1 - 1.5.
    np.testing.assert_allclose(params["W"], [-2.5])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_keeps_float32(name):
    params = {"W": np.ones(3, dtype=np.float32)}
    opt = make_optimizer(name, lr=0.1)
    for _ in range(3):
        opt.update(params, {"W": np.full(3, 0.5, dtype=np.float32)})
    assert params["W"].dtype == np.float32
    assert all(a.dtype == np.float32 for k, a in opt.state_dict().items() if "/" in k)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trip_resumes_bit_for_bit(name):
    rng = np.random.default_rng(0)
    grads = [{"W": rng.standard_normal((2, 3)).astype(np.float32)} for _ in range(10)]
    straight = {"W": np.ones((2, 3), dtype=np.float32)}
    opt = make_optimizer(name, lr=0.05)
    for g in grads:
        opt.update(straight, g)

    resumed = {"W": np.ones((2, 3), dtype=np.float32)}
    first = make_optimizer(name, lr=0.05)
    for g in grads[:4]:
        first.update(resumed, g)
    second = make_optimizer(name, lr=999.0)
    second.load_state_dict(first.state_dict())
    assert second.lr == 0.05
    for g in grads[4:]:
        second.update(resumed, g)
    assert resumed["W"].tobytes() == straight["W"].tobytes()


def test_state_dict_is_flat_and_a_copy():
    params = {"W1": np.zeros(2)}
    opt = make_optimizer("adam")
    opt.update(params, {"W1": np.ones(2)})
    state = opt.state_dict()
    assert set(state) == {"lr", "iterations", "beta1", "beta2", "eps", "m/W1", "v/W1"}
    state["m/W1"][:] = 99
    assert not np.any(opt.state["m"]["W1"] == 99)


def test_load_state_dict_names_what_does_not_fit():
    with pytest.raises(ValueError, match=r"Momentum.load_state_dict: missing 'momentum'; unexpected buffer 'm/W1'"):
        Momentum().load_state_dict({"lr": 0.1, "iterations": 1, "m/W1": np.zeros(2)})


def test_bad_optimizer_settings_are_named():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; choose one of \['adagrad', 'adam'"):
        make_optimizer("adamw")
    with pytest.raises(ValueError, match="learning rate must be positive, got 0"):
        SGD(lr=0)
    with pytest.raises(ValueError, match=r"gradient of W has shape \(3,\), parameter has shape \(2,\)"):
        SGD().update({"W": np.zeros(2)}, {"W": np.zeros(3)})
