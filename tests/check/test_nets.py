"""The net checks: laws that hold whatever the activation (exercises 2_7, 2_8, 2_10, 2_16 – 2_18)."""

import numpy as np
import pytest

from deepkiso.check import FAIL, PASS, SKIP
from deepkiso.check.net_gradients import _reference_grads
from deepkiso.check.net_models import recognise


def test_a_loss_divided_twice_by_n_breaks_the_repeated_batch_law(bugs_a_report, result):
    r = result(bugs_a_report, "TwoLayerNet.loss_batch_mean")
    assert (r.status, r.exercise) == (FAIL, "2_8")
    assert r.cause == "the loss is divided by the batch size N twice"


def test_a_summed_loss_breaks_the_repeated_batch_law(bugs_b_report, result):
    r = result(bugs_b_report, "TwoLayerNet.loss_batch_mean")
    assert r.cause == "the loss is summed over the batch: divide by the batch size N"


def test_a_net_whose_layers_forget_the_batch_sum_has_the_wrong_gradient_shape(
    bugs_a_report, result
):
    r = result(bugs_a_report, "TwoLayerNet.gradient")
    assert (r.status, r.exercise) == (FAIL, "2_16")
    assert r.message == "b1 of gradient(x, t) has shape (5, 5); params['b1'] has shape (5,)"
    assert r.cause == "the bias gradient is not summed over the batch: db = np.sum(dout, axis=0)"


def test_a_numerical_gradient_that_perturbs_the_weights_is_caught_in_the_net(bugs_a_report, result):
    r = result(bugs_a_report, "TwoLayerNet.numerical_gradient")
    assert r.status == FAIL
    assert r.message.startswith("params['W1'] after numerical_gradient(x, t) was changed")
    assert result(bugs_a_report, "SimpleNet.gradient").cause.startswith(
        "numerical_gradient leaves W perturbed"
    )


def test_a_net_from_2_8_skips_the_backprop_checks_of_2_16(learner_file):
    from deepkiso.check import check_file

    path = learner_file(
        "net28.py",
        """\
import numpy as np
from deepkiso.differentiation import numerical_gradient
from deepkiso.functions import sigmoid, softmax, cross_entropy_error

class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": weight_init_std * np.random.randn(input_size, hidden_size),
                       "b1": np.zeros(hidden_size),
                       "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                       "b2": np.zeros(output_size)}

    def predict(self, x):
        z = sigmoid(x @ self.params["W1"] + self.params["b1"])
        return softmax(z @ self.params["W2"] + self.params["b2"])

    def loss(self, x, t):
        return cross_entropy_error(self.predict(x), t)

    def numerical_gradient(self, x, t):
        return {k: numerical_gradient(lambda w: self.loss(x, t), p) for k, p in self.params.items()}
""",
    )
    report = check_file(path, only=["TwoLayerNet"])
    statuses = {r.id.split(".")[1]: r.status for r in report.results}
    assert statuses == {
        "builds": PASS,
        "reference": PASS,
        "predict": PASS,
        "loss_batch_mean": PASS,
        "numerical_gradient": PASS,
        "gradient": SKIP,
        "gradients_agree": SKIP,
        "descends_numerical": PASS,
        "descends_backprop": SKIP,
        "accuracy": SKIP,
    }
    assert report.exit_code == 0
    gradient = next(r for r in report.results if r.id == "TwoLayerNet.gradient")
    assert gradient.message == "TwoLayerNet has no gradient method (exercise 2_16 adds it)"


def _course_net(activation="relu", loss="softmax", dtype=np.float64):
    from deepkiso.nets import TwoLayerNet

    net = TwoLayerNet(4, 5, 3, activation=activation, loss=loss, dtype=dtype, rng=1)
    rng = np.random.default_rng(2)
    for param in net.params.values():
        param[...] = 0.6 * rng.standard_normal(param.shape)
    x = rng.standard_normal((5, 4))
    t = np.eye(3)[[0, 1, 2, 1, 0]] if loss == "softmax" else rng.standard_normal((5, 3))
    return net, x, t


@pytest.mark.parametrize(
    "activation, loss", [("relu", "softmax"), ("sigmoid", "softmax"), ("tanh", "squared")]
)
def test_deepkiso_nets_are_recognised_as_the_right_models(activation, loss):
    net, x, t = _course_net(activation, loss)
    found = recognise(net, net.params, x, t)
    assert (found.model.hidden, found.model.wrong, found.factor) == (activation, "", 1.0)
    assert found.model.loss == ("cross_entropy" if loss == "softmax" else "squared")


def test_a_net_without_its_hidden_activation_is_recognised_as_that_mistake():
    net, x, t = _course_net()
    from deepkiso.layers import ReLU

    net.layers = [layer for layer in net.layers if not isinstance(layer, ReLU)]
    assert recognise(net, net.params, x, t).model.wrong.startswith(
        "predict matches a net without the hidden activation"
    )


def test_a_float32_net_gets_its_reference_gradient_in_float64():
    net32, x, t = _course_net(dtype=np.float32)
    net64, _, _ = _course_net(dtype=np.float64)
    for key, param in net64.params.items():
        param[...] = net32.params[key]  # the same float32 values, held in float64
    exact = net64.gradient(x, t)
    reference = _reference_grads(net32, net32.params, x, t)
    for key in exact:  # a step of 1e-2 in float32 crosses ReLU's kinks and is off by far more
        np.testing.assert_allclose(reference[key], exact[key], rtol=1e-6, atol=1e-8)


def test_a_wrong_model_points_at_the_learners_line_of_the_mistake():
    from deepkiso.check.net_models import MODELS
    from deepkiso.check.nets import _mistake_line

    class Net:
        def predict(self, x):
            a1 = x @ self.W1 + self.b1
            z1 = a1
            return z1 @ self.W2

    no_activation = next(
        m for m in MODELS if m.wrong.startswith("predict matches a net without the hidden")
    )
    no_b2 = next(m for m in MODELS if "without the bias b2" in m.wrong)
    assert _mistake_line(Net(), ("predict", Net().predict), no_activation).endswith("z1 = a1")
    assert _mistake_line(Net(), ("predict", Net().predict), no_b2).endswith("return z1 @ self.W2")
