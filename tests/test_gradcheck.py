"""Tests of deepkiso.gradcheck: the gradient check of exercise 2_17 finds the slides' backprop bugs."""

import numpy as np
import pytest

from deepkiso.gradcheck import check_layer_gradient, check_net_gradient, gradient_check
from deepkiso.layers import Affine, Sigmoid
from deepkiso.nets import TwoLayerNet


class AffineForgettingBatchSum(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["b"] = dout.copy()  # bug: db not summed over the batch
        return dx


class AffineTransposingW(Affine):
    def backward(self, dout):
        super().backward(dout)
        return (dout @ self.params["W"]).reshape(self.x_shape)  # bug: W instead of Wᵀ


class SigmoidIgnoringDout(Sigmoid):
    def backward(self, dout):
        return self.out * (1 - self.out)  # bug: dout dropped


def _affine(cls, d_in=3, d_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return cls(rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out))


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_gradient_check_passes_a_correct_affine_layer(mode):
    x = np.random.default_rng(1).standard_normal((5, 3))
    report = check_layer_gradient(_affine(Affine), x, mode=mode)
    assert report.passed, str(report)
    assert [c.name for c in report.checks] == ["x", "W", "b"]


@pytest.mark.parametrize("shape", [(5, 12), (5, 3, 4)])
def test_gradient_check_of_a_float32_layer_uses_a_float64_copy_and_still_finds_a_transposed_w(
    shape,
):
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    good = check_layer_gradient(Affine(*_float32(_affine(Affine, 12, 12))), x)
    assert good.evaluation == "float32 on a float64 copy" and good.passed, str(good)
    bad = check_layer_gradient(AffineTransposingW(*_float32(_affine(Affine, 12, 12))), x)
    assert bad.evaluation == "float32 on a float64 copy" and [c.name for c in bad.failures] == ["x"]


def _float32(layer):
    return layer.params["W"].astype(np.float32), layer.params["b"].astype(np.float32)


def test_gradient_check_reports_db_not_summed_over_the_batch():
    report = check_layer_gradient(_affine(AffineForgettingBatchSum), np.ones((5, 3)))
    assert not report.passed
    assert [c.name for c in report.failures] == ["b"]
    assert "backprop gradient has shape (5, 3), expected (3,)" in report["b"].problem
    assert "FAILED: b" in str(report)


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_gradient_check_reports_a_transposed_w_in_dx(mode):
    x = np.random.default_rng(2).standard_normal((4, 3))
    report = check_layer_gradient(_affine(AffineTransposingW), x, mode=mode)
    assert [c.name for c in report.failures] == ["x"]
    text = str(report)
    assert "x " in text and "FAIL at" in text


def test_gradient_check_reports_a_backward_that_ignores_dout():
    report = check_layer_gradient(SigmoidIgnoringDout(), np.linspace(-2, 2, 12).reshape(3, 4))
    assert [c.name for c in report.failures] == ["x"]
    worst = report["x"]
    assert worst.worst_index is not None and len(worst.worst_index) == 2


def test_gradient_check_names_the_failing_parameter_of_a_net():
    net = TwoLayerNet(4, 3, 3, weight_init_std=1.0, dtype=np.float64, rng=0)
    # Plant the transposed-W bug in the second Affine: W1 and b1 get wrong gradients, W2 and b2 stay right.
    net.layers[2].__class__ = AffineTransposingW
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    for mode in ("full", "directional"):
        report = check_net_gradient(net, x, t, mode=mode)
        assert [c.name for c in report.failures] == ["W1", "b1"], str(report)


def test_gradient_check_restores_the_parameters_bit_for_bit():
    net = TwoLayerNet(4, 5, 3, dtype=np.float64, rng=0)
    before = net.state_dict()
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((3, 4)), rng.integers(0, 3, 3)
    for mode in ("full", "sample", "directional"):
        check_net_gradient(net, x, t, mode=mode)
        for name, value in before.items():
            assert net.params[name].tobytes() == value.tobytes()


def test_gradient_check_sample_mode_compares_n_samples_elements():
    net = TwoLayerNet(10, 8, 3, dtype=np.float64, rng=0)
    rng = np.random.default_rng(0)
    report = check_net_gradient(
        net, rng.standard_normal((4, 10)), rng.integers(0, 3, 4), mode="sample", n_samples=5
    )
    assert [c.n_compared for c in report.checks] == [5, 5, 5, 3]


def _read_only_float32_net(**options):
    """A float32 TwoLayerNet whose parameters cannot be written: a check that touched them would raise."""
    net = TwoLayerNet(**options, rng=0)
    for param in net.params.values():
        param.flags.writeable = False
    return net


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_gradient_check_of_a_float32_net_evaluates_a_float64_copy_and_never_touches_the_net(mode):
    net = _read_only_float32_net(input_size=6, hidden_size=5, output_size=3, weight_init_std="he")
    before = net.state_dict()
    rng = np.random.default_rng(0)
    report = check_net_gradient(
        net, rng.standard_normal((4, 6)).astype(np.float32), rng.integers(0, 3, 4), mode=mode
    )
    assert (report.dtype, report.evaluation, report.h, report.rtol) == (
        "float32",
        "float32 on a float64 copy",
        1e-5,
        1e-4,
    )
    assert report.passed, str(report)
    assert "float32 on a float64 copy" in str(report)
    assert all(
        net.params[k].tobytes() == v.tobytes() and net.params[k].dtype == np.float32
        for k, v in before.items()
    )


class _SignFlip:
    """A net whose gradient is the real one with the sign of one entry flipped."""

    def __init__(self, net, name, index):
        self.net, self.name, self.index, self.params = net, name, index, net.params

    def loss(self, x, t):
        return self.net.loss(x, t)

    def gradient(self, x, t):
        grads = {k: np.array(g) for k, g in self.net.gradient(x, t).items()}
        grads[self.name][self.index] *= -1
        return grads


def test_directional_check_of_a_float32_net_finds_one_wrong_entry_among_39760():
    # Flipping one entry of 39,760 moves a directional derivative by about 1e-2 of itself: float32
    # differences with their 2e-2 tolerance cannot see that, float64 differences on a copy can.
    rng = np.random.default_rng(0)
    net = TwoLayerNet(784, 50, 10, weight_init_std="he", rng=rng)
    x, t = rng.random((20, 784)).astype(np.float32), rng.integers(0, 10, 20)
    assert check_net_gradient(net, x, t, mode="directional").passed
    grad = net.gradient(x, t)["W1"]
    index = tuple(int(i) for i in np.argwhere(grad != 0)[rng.integers(np.count_nonzero(grad))])
    report = check_net_gradient(_SignFlip(net, "W1", index), x, t, mode="directional")
    assert [c.name for c in report.failures] == ["W1"], str(report)


class _Uncopyable:
    """A loss that refuses to be deep-copied, so the check must perturb its parameters in place."""

    def __init__(self, net, x, t):
        self.net, self.x, self.t = net, x, t

    def __call__(self):
        return self.net.loss(self.x, self.t)

    def __deepcopy__(self, memo):
        raise TypeError("cannot copy this loss")


def test_gradient_check_works_in_place_in_float32_when_f_cannot_be_copied():
    net = TwoLayerNet(6, 5, 3, weight_init_std="he", rng=0)
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 6)).astype(np.float32), rng.integers(0, 3, 4)
    before = net.state_dict()
    grads = {k: np.array(g) for k, g in net.gradient(x, t).items()}
    report = gradient_check(_Uncopyable(net, x, t), net.params, grads)
    assert (report.evaluation, report.h) == (
        "float32 in place",
        1e-2,
    ) and "could not be copied" in report.note
    assert report.passed, str(report)
    assert all(net.params[k].tobytes() == v.tobytes() for k, v in before.items())


def test_gradient_check_refuses_an_h_below_the_spacing_at_the_parameters():
    params = {"W": np.array([1.0, 1e12])}
    with pytest.raises(
        ValueError,
        match=r"^gradient_check: h = 1e-05 is below the spacing of float64 numbers at "
        r"W\[1\] = 1e\+12 \(spacing 0\.000122\)",
    ):
        gradient_check(lambda: float(np.sum(params["W"])), params, {"W": np.ones(2)})


def test_gradient_check_reports_a_missing_gradient_and_rejects_unknown_modes():
    params = {"w": np.zeros(2)}
    report = gradient_check(lambda: 0.0, params, {})
    assert "no backprop gradient" in report["w"].problem
    with pytest.raises(ValueError, match="unknown mode 'fast'"):
        gradient_check(lambda: 0.0, params, {"w": np.zeros(2)}, mode="fast")
