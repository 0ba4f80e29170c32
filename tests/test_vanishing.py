"""Tests of deepkiso.vanishing: per-layer gradient norms and the sigmoid's 0.25 bound."""

import numpy as np
import pytest

from deepkiso.functions import sigmoid_grad
from deepkiso.vanishing import (
    SIGMOID_GRAD_MAX,
    activation_derivatives,
    compare_activations,
    layer_gradient_norms,
)


def test_sigmoids_derivative_peaks_at_a_quarter_at_zero():
    x = np.linspace(-10, 10, 2001)
    assert sigmoid_grad(x).max() == SIGMOID_GRAD_MAX == sigmoid_grad(np.array(0.0))
    derivatives = activation_derivatives(x)
    assert derivatives["tanh"].max() == 1.0 and derivatives["relu"].max() == 1.0


def test_sigmoid_gradients_vanish_toward_the_input_and_relu_tanh_do_not():
    results = {r.activation: r for r in compare_activations(n_hidden_layers=6, width=32)}
    sigmoid = results["sigmoid"]
    assert sigmoid.norms.shape == (7,)
    assert np.all(np.diff(sigmoid.norms) > 0)  # smaller at every layer on the way back
    assert sigmoid.first_to_last < 0.25**4
    assert results["tanh"].first_to_last > 0.2 and results["relu"].first_to_last > 0.2


def test_weight_init_defaults_per_activation_and_can_be_set():
    assert layer_gradient_norms("relu", 2, 8).weight_init == "he"
    assert layer_gradient_norms("sigmoid", 2, 8).weight_init == "xavier"
    assert layer_gradient_norms("tanh", 2, 8, weight_init=0.01).weight_init == 0.01


def test_given_data_sets_the_classes():
    x = np.random.default_rng(0).standard_normal((12, 5)).astype(np.float32)
    t = np.arange(12) % 3
    assert layer_gradient_norms("tanh", 2, 4, x, t).norms.shape == (3,)
    with pytest.raises(ValueError, match="x was given without its labels t"):
        layer_gradient_norms("tanh", 2, 4, x)
    with pytest.raises(ValueError, match="must be positive"):
        layer_gradient_norms("tanh", 0, 4)
