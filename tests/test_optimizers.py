import numpy as np
import pytest

from deepkiso.optimizers import OPTIMIZERS, SGD, Adam, Momentum, make_optimizer

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


# --- the conventions that differ from PyTorch (README, "Optimizers and PyTorch") ------------------


def _torch_adam(grads, p, lr, beta1, beta2, eps_at):
    """torch.optim.Adam's documented update, written out: eps is added to √v̂, the bias-corrected √v."""
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps_at(t))
    return p


def test_adam_adds_eps_to_the_uncorrected_root_of_v_as_the_book_does():
    params = {"W": np.array([1.0])}
    Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=0.1).update(params, {"W": np.array([0.5])})
    # m = 0.05, v = 0.00025; step = lr·√(1 - 0.999)/(1 - 0.9) · m/(√v + eps) = 0.0316228 · 0.05/0.1158114
    np.testing.assert_allclose(
        params["W"], [1 - 0.1 * np.sqrt(0.001) / 0.1 * 0.05 / (np.sqrt(0.00025) + 0.1)], rtol=1e-15
    )
    np.testing.assert_allclose(params["W"], [0.98634729], rtol=1e-8)
    # PyTorch's form adds eps to √v̂ = 0.5 and would step 0.1 · 0.5/0.6 = 0.0833 instead.
    assert params["W"][0] != pytest.approx(_torch_adam([0.5], 1.0, 0.1, 0.9, 0.999, lambda t: 0.1))


def test_adam_is_torchs_adam_with_eps_divided_by_root_of_one_minus_beta2_to_the_t():
    rng = np.random.default_rng(0)
    grads = rng.standard_normal(20) * 1e-3  # small gradients, so eps matters
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-4
    params = {"W": np.array([0.3])}
    optimizer = Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    for g in grads:
        optimizer.update(params, {"W": np.array([g])})
    same = _torch_adam(grads, 0.3, lr, beta1, beta2, lambda t: eps / np.sqrt(1 - beta2**t))
    np.testing.assert_allclose(params["W"], [same], rtol=1e-13)
    assert abs(params["W"][0] - _torch_adam(grads, 0.3, lr, beta1, beta2, lambda t: eps)) > 1e-4
    # The README's recipe the other way round: eps set to ε′·√(1 - β2ᵗ) before step t is torch's Adam(eps=ε′).
    params = {"W": np.array([0.3])}
    optimizer = Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    for t, g in enumerate(grads, start=1):
        optimizer.hyper["eps"] = eps * np.sqrt(1 - beta2**t)
        optimizer.update(params, {"W": np.array([g])})
    np.testing.assert_allclose(
        params["W"], [_torch_adam(grads, 0.3, lr, beta1, beta2, lambda t: eps)], rtol=1e-13
    )


def _torch_momentum(grads, lrs, p, mu, rescale=False):
    """torch.optim.SGD(momentum=mu)'s update: b ← μb + g; p ← p - lr·b (the velocity carries no lr).

    rescale: multiply b by lr_old / lr_new when the lr changes, which makes it deepkiso's form.
    """
    b, previous = 0.0, lrs[0]
    for g, lr in zip(grads, lrs):
        b = (b * previous / lr if rescale else b) * mu + g
        p, previous = p - lr * b, lr
    return p


def test_momentum_velocity_carries_the_learning_rate_it_was_made_with():
    params = {"W": np.array([0.0])}
    optimizer = Momentum(lr=1.0, momentum=0.5)
    optimizer.update(params, {"W": np.array([1.0])})  # v = -1, W = -1
    optimizer.lr = 0.1
    optimizer.update(params, {"W": np.array([1.0])})  # v = 0.5·(-1) - 0.1·1 = -0.6, W = -1.6
    np.testing.assert_allclose(params["W"], [-1.6], rtol=1e-15)
    # torch's b = 0.5·1 + 1 = 1.5 is scaled by the new lr at once: W = -1 - 0.1·1.5 = -1.15.
    np.testing.assert_allclose(_torch_momentum([1.0, 1.0], [1.0, 0.1], 0.0, 0.5), -1.15, rtol=1e-15)


def test_momentum_equals_torchs_sgd_under_a_constant_lr_and_differs_once_it_changes():
    rng = np.random.default_rng(1)
    grads = rng.standard_normal(30)
    for lrs in (
        [0.05] * 30,
        [0.05] * 10 + [0.005] * 20,
        list(np.linspace(0.001, 0.05, 30)),
    ):  # warm-up too
        params = {"W": np.array([2.0])}
        optimizer = Momentum(lr=lrs[0], momentum=0.9)
        for g, lr in zip(grads, lrs):
            optimizer.lr = lr
            optimizer.update(params, {"W": np.array([g])})
        np.testing.assert_allclose(
            params["W"], [_torch_momentum(grads, lrs, 2.0, 0.9, rescale=True)], rtol=1e-12
        )
        torch_form = _torch_momentum(grads, lrs, 2.0, 0.9)
        if len(set(lrs)) == 1:
            np.testing.assert_allclose(params["W"], [torch_form], rtol=1e-12)
        else:
            assert abs(params["W"][0] - torch_form) > 1e-3


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
    with pytest.raises(
        ValueError, match=r"Momentum.load_state_dict: missing 'momentum'; unexpected buffer 'm/W1'"
    ):
        Momentum().load_state_dict({"lr": 0.1, "iterations": 1, "m/W1": np.zeros(2)})


def test_bad_optimizer_settings_are_named():
    with pytest.raises(
        ValueError, match=r"unknown optimizer 'adamw'; choose one of \['adagrad', 'adam'"
    ):
        make_optimizer("adamw")
    with pytest.raises(ValueError, match="learning rate must be positive, got 0"):
        SGD(lr=0)
    with pytest.raises(
        ValueError, match=r"gradient of W has shape \(3,\), parameter has shape \(2,\)"
    ):
        SGD().update({"W": np.zeros(2)}, {"W": np.zeros(3)})


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize(
    "param_dtype, grad_dtype",
    [(np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)],
)
# (7, 5): stepped whole; (300, 500): in three slices, the last one shorter (optimizers._SLICE)
@pytest.mark.parametrize("shape", [(7, 5), (300, 500)])
def test_step_gives_update_s_numbers_bit_for_bit(name, param_dtype, grad_dtype, shape):
    """The Trainer's step (into work arrays, in place) and the book's update (new arrays)."""
    rng = np.random.default_rng(3)
    params = {
        "W": rng.standard_normal(shape).astype(param_dtype),
        "b": np.zeros(shape[1], param_dtype),
    }
    by_update = {k: p.copy() for k, p in params.items()}
    stepping, updating = make_optimizer(name, lr=0.1), make_optimizer(name, lr=0.1)
    for _ in range(4):
        grads = {k: rng.standard_normal(p.shape).astype(grad_dtype) for k, p in params.items()}
        kept = {k: g.copy() for k, g in grads.items()}
        stepping.step(params, grads)
        updating.update(by_update, grads)
        assert all(np.array_equal(grads[k], kept[k]) for k in grads)  # the gradients are left alone
    assert all(params[k].tobytes() == by_update[k].tobytes() for k in params)
    saved, expected = stepping.state_dict(), updating.state_dict()  # the work arrays are no state
    assert saved.keys() == expected.keys()
    for key, value in expected.items():
        assert np.asarray(saved[key]).tobytes() == np.asarray(value).tobytes(), key


def test_a_large_parameter_is_stepped_in_slices_and_a_transposed_one_by_update():
    """The slices cover every element once (a shorter last one included), and arrays that are not
    C-contiguous (a transposed gradient) are left to update, whose numbers step gives anyway."""
    from deepkiso.optimizers import _SLICE, _in_slices

    param = np.arange(2 * _SLICE + 5, dtype=np.float32)
    grad = np.ones_like(param)
    slices = _in_slices((param, grad), (np.empty(_SLICE, np.float32),))
    assert [len(p) for p, _g, _w in slices] == [_SLICE, _SLICE, 5]
    assert all(np.shares_memory(p, param) for p, _g, _w in slices)

    rng = np.random.default_rng(4)
    params = {"W": rng.standard_normal((600, 300)).astype(np.float32)}
    by_update = {"W": params["W"].copy()}
    grads = {"W": rng.standard_normal((300, 600)).astype(np.float32).T}  # a view, not contiguous
    stepping, updating = make_optimizer("adam", lr=0.1), make_optimizer("adam", lr=0.1)
    stepping.step(params, grads)
    updating.update(by_update, grads)
    assert params["W"].tobytes() == by_update["W"].tobytes()
    assert stepping._work == {}  # update ran: no work arrays were made


def _float32_params_twin_and_grads(rng, shape):
    """params {"W": shape, "b": (shape[1],)} in float32, a copy for update, and gradient arrays
    of their shapes to refill every step (the same arrays, as a net hands them out)."""
    params = {
        "W": rng.standard_normal(shape).astype(np.float32),
        "b": np.zeros(shape[1], np.float32),
    }
    by_update = {k: p.copy() for k, p in params.items()}
    grads = {k: np.empty_like(p) for k, p in params.items()}
    return params, by_update, grads


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_step_keeps_update_s_numbers_when_the_same_arrays_come_back(name):
    """As in a Trainer: the same gradient arrays, refilled every step, so step keeps its checked
    plan; an update in between (which replaces the buffers) and a load_state_dict make it plan
    again, and the numbers stay update's."""
    rng = np.random.default_rng(5)
    params, by_update, grads = _float32_params_twin_and_grads(rng, (400, 400))
    stepping, updating = make_optimizer(name, lr=0.01), make_optimizer(name, lr=0.01)
    for i in range(6):
        for g in grads.values():
            g[...] = rng.standard_normal(g.shape)
        if i == 2:
            stepping.update(params, grads)
        else:
            stepping.step(params, grads)
        updating.update(by_update, grads)
        if i == 3:
            stepping.load_state_dict(stepping.state_dict())
    assert all(params[k].tobytes() == by_update[k].tobytes() for k in params)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
# (7, 5): stepped whole; (300, 500): in three slices, the last one shorter (optimizers._SLICE)
@pytest.mark.parametrize("shape", [(7, 5), (300, 500)])
def test_a_step_that_may_reuse_the_gradients_gives_update_s_numbers(name, shape):
    """reuse_grads: SGD and Momentum leave η·∂L/∂W in the gradient arrays, the others leave them
    alone; the parameters and buffers end as update's, also with reuse turned on and off."""
    rng = np.random.default_rng(5)
    params, by_update, grads = _float32_params_twin_and_grads(rng, shape)
    stepping, updating = make_optimizer(name, lr=0.1), make_optimizer(name, lr=0.1)
    for i in range(5):
        for g in grads.values():
            g[...] = rng.standard_normal(g.shape)
        kept = {k: g.copy() for k, g in grads.items()}
        updating.update(by_update, kept)
        stepping.step(params, grads, reuse_grads=i != 2)  # the third step without
        for k in grads:
            if i != 2 and name in ("sgd", "momentum"):
                assert grads[k].tobytes() == (kept[k] * np.float32(0.1)).tobytes()
            else:
                assert grads[k].tobytes() == kept[k].tobytes()
    assert all(params[k].tobytes() == by_update[k].tobytes() for k in params)
    saved, expected = stepping.state_dict(), updating.state_dict()
    for key, value in expected.items():
        assert np.asarray(saved[key]).tobytes() == np.asarray(value).tobytes(), key
