"""Tests of deepkiso.landscape: surfaces, safe expressions, classification of points, descent paths, stall diagnosis."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepkiso.differentiation import numerical_gradient
from deepkiso.landscape import (
    OPTIMIZER_CHOICES,
    SURFACES,
    classify_point,
    descend,
    diagnose_net,
    diagnose_stall,
    get_surface,
    numerical_hessian,
    surface_from_expression,
)
from deepkiso.nets import MultiLayerNet

# --------------------------------------------------------------------------
# Surfaces


@pytest.mark.parametrize("name", sorted(SURFACES))
@given(u=st.floats(0.05, 0.95), v=st.floats(0.05, 0.95))
@settings(max_examples=25)
def test_analytic_gradient_of_each_surface_matches_numerical_gradient(name, u, v):
    surface = SURFACES[name]
    point = np.array(
        [
            surface.x_range[0] + u * np.ptp(surface.x_range),
            surface.y_range[0] + v * np.ptp(surface.y_range),
        ]
    )
    numeric = numerical_gradient(lambda p: surface(p), point.copy())
    # Central differences err by h² |f'''| / 6; Rosenbrock's third derivative 2400x reaches ~5000
    # in its window, so with h = 1e-4 the numerical gradient itself is off by up to ~1e-5.
    np.testing.assert_allclose(surface.gradient(point), numeric, rtol=1e-5, atol=1e-5)


def test_slides_example_has_the_slides_gradient():
    np.testing.assert_allclose(get_surface("slides").gradient([1.5, -2.0]), [4 * 1.5, 3.0])


def test_values_on_a_grid_match_pointwise_values():
    surface = get_surface("rosenbrock")
    X, Y = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4))
    Z = surface.values(X, Y)
    assert Z.shape == (4, 5)
    assert Z[2, 3] == surface([X[2, 3], Y[2, 3]])


def test_get_surface_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown function 'bowel'.*'bowl'"):
        get_surface("bowel")


# --------------------------------------------------------------------------
# Expressions


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x**2 + y**2", 5.0),
        ("x^2 + y^2", 5.0),  # ^ is a power and keeps a power's precedence
        ("x0**2 + x1**2", 5.0),
        ("-x^2", -1.0),
        ("2*x**2 + 3*y", 8.0),
        ("exp(0) + sqrt(y*2) + abs(-x) - cos(pi) + log(e)", 1 + 2 + 1 + 1 + 1),
    ],
)
def test_expression_evaluates_arithmetic_on_x_and_y(text, expected):
    assert surface_from_expression(text)([1.0, 2.0]) == pytest.approx(expected)


def test_expression_works_on_grids_even_when_constant():
    X, Y = np.meshgrid(np.arange(3.0), np.arange(2.0))
    np.testing.assert_array_equal(surface_from_expression("x - y").values(X, Y), X - Y)
    assert surface_from_expression("7").values(X, Y).shape == (2, 3)


@pytest.mark.parametrize(
    "text, message",
    [
        ("__import__('os')", "unknown function '__import__' at column 1"),
        ("__import__('os').system('echo hi')", "attribute access"),
        ("x.real", "attribute access 'x.real' at column 1 is not allowed"),
        ("(lambda: 1)()", "lambda 'lambda: 1' at column 2 is not allowed"),
        ("'a' * 3", "string \"'a'\" at column 1 is not allowed"),
        ("z + 1", "unknown name 'z' at column 1"),
        ("x[0]", "subscript 'x\\[0\\]' at column 1 is not allowed"),
        ("exp(x, y)", "exp\\(\\) takes one argument, got 2"),
        ("x**y", "the exponent must be a number"),
        ("x +", "syntax error"),
        ("", "non-empty formula"),
        ("x" + "+x" * 600, "at most 1000"),
    ],
)
def test_expression_refuses_anything_but_arithmetic_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        surface_from_expression(text)


# --------------------------------------------------------------------------
# Classification


@pytest.mark.parametrize(
    "surface, point, kind",
    [
        (get_surface("saddle"), (0.0, 0.0), "saddle"),
        (get_surface("bowl"), (0.0, 0.0), "minimum"),
        (get_surface("plateau"), (3.5, 3.0), "plateau"),
        (get_surface("plateau"), (0.0, 0.0), "minimum"),
        (get_surface("rosenbrock"), (1.0, 1.0), "minimum"),
        (get_surface("bowl"), (1.0, 1.0), "descending"),
        (surface_from_expression("-(x^2 + y^2)"), (0.0, 0.0), "maximum"),
    ],
)
def test_known_points_are_classified(surface, point, kind):
    assert classify_point(surface, point).kind == kind


def test_classification_reports_gradient_and_curvatures_of_the_saddle():
    report = classify_point(get_surface("saddle"), (0.0, 0.0))
    np.testing.assert_allclose(report.gradient, [0, 0], atol=1e-12)
    np.testing.assert_allclose(report.curvatures, [-2, 2], atol=1e-6)


@given(
    st.lists(st.floats(0.1, 5.0), min_size=2, max_size=2),
    st.lists(st.sampled_from([-1, 1]), min_size=2, max_size=2),
    st.floats(0, np.pi),
)
@settings(max_examples=30)
def test_quadratic_stationary_points_are_classified_by_the_signs_of_their_curvatures(
    magnitudes, signs, angle
):
    eigenvalues = np.array(magnitudes) * np.array(signs)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = rotation @ np.diag(eigenvalues) @ rotation.T
    np.testing.assert_allclose(
        numerical_hessian(lambda p: 0.5 * p @ A @ p, np.zeros(2)), A, atol=1e-6
    )
    expected = {2: "minimum", -2: "maximum", 0: "saddle"}[int(np.sum(signs))]
    assert classify_point(lambda p: 0.5 * p @ A @ p, np.zeros(2)).kind == expected


# --------------------------------------------------------------------------
# Descent


def test_a_start_on_the_saddles_ridge_stalls_and_a_start_off_it_escapes():
    saddle = get_surface("saddle")
    stalled = descend(saddle, (1.0, 0.0), "sgd", lr=0.1, n_steps=60)
    escaped = descend(saddle, (1.0, 0.001), "sgd", lr=0.1, n_steps=60)
    assert stalled.kind == "saddle" and stalled.steps_needed is None
    assert np.all(stalled.points[:, 1] == 0)
    # y grows by ×(1 + 2η) = ×1.2 a step: |y| > √(1 + x²) ≈ 1 after log(1000)/log(1.2) ≈ 38 steps.
    assert escaped.steps_needed == 38
    assert escaped.kind == "descending"


def test_too_large_a_learning_rate_diverges_on_the_bowl():
    bowl = get_surface("bowl")
    assert descend(bowl, (-2.0, 1.5), "sgd", lr=0.1, n_steps=60).kind == "minimum"
    diverging = descend(bowl, (-2.0, 1.5), "sgd", lr=1.05, n_steps=30)
    assert diverging.kind == "diverging" and diverging.steps_needed is None
    assert np.all(np.diff(diverging.values) > 0)


def test_a_diverging_walk_stops_early_without_overflow_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = descend(get_surface("rosenbrock"), (-1.5, 2.0), "sgd", lr=0.1, n_steps=500)
    assert path.kind == "diverging"
    assert path.n_steps < 500 and np.all(np.isfinite(path.points))


def test_momentum_and_adam_get_off_the_saddle_faster_than_plain_descent():
    saddle = get_surface("saddle")
    steps = {
        name: descend(saddle, (1.0, 1e-4), name, lr=0.1, n_steps=80).steps_needed
        for name in ("sgd", "momentum", "adam")
    }
    assert steps["adam"] < steps["momentum"] < steps["sgd"] <= 80


def test_only_noise_gets_off_the_exact_ridge():
    saddle = get_surface("saddle")
    for name in ("sgd", "momentum", "adam"):
        assert descend(saddle, (1.0, 0.0), name, lr=0.1, n_steps=100).steps_needed is None
    assert (
        descend(saddle, (1.0, 0.0), "noisy-gd", lr=0.1, n_steps=100, rng=0).steps_needed is not None
    )


def test_adam_crosses_the_plateau_where_plain_descent_does_not():
    plateau = get_surface("plateau")
    assert descend(plateau, (3.5, 2.5), "sgd", lr=0.5, n_steps=100).kind == "plateau"
    assert descend(plateau, (3.5, 2.5), "adam", lr=0.5, n_steps=100).steps_needed < 20


def test_noisy_descent_is_reproducible_by_seed():
    saddle = get_surface("saddle")
    a = descend(saddle, (1.0, 0.0), "noisy-gd", n_steps=20, rng=3)
    b = descend(saddle, (1.0, 0.0), "noisy-gd", n_steps=20, rng=np.random.default_rng(3))
    c = descend(saddle, (1.0, 0.0), "noisy-gd", n_steps=20, rng=4)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    assert a.noise_std == 1.0 and descend(saddle, (1.0, 0.0), "sgd", n_steps=1).noise_std == 0


def test_every_optimizer_choice_walks():
    for name in OPTIMIZER_CHOICES:
        path = descend(get_surface("bowl"), (1.0, 1.0), name, lr=0.05, n_steps=5)
        assert path.points.shape == (6, 2) and path.values.shape == (6,)
        np.testing.assert_array_equal(path.start, [1.0, 1.0])


def test_the_label_says_optimizer_rate_steps_needed_and_where_it_ended():
    path = descend(get_surface("saddle"), (1.0, 0.001), "sgd", lr=0.1, n_steps=60)
    assert path.label() == "sgd, η=0.1: f < −1 after 38 steps, ends still descending"
    assert "from (1, 0.001)" in path.label(with_start=True)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'; choose one of .*'noisy-gd'"),
        ({"start": (1.0, 2.0, 3.0)}, "start must be two finite numbers"),
        ({"start": (np.nan, 0.0)}, "start must be two finite numbers"),
        ({"n_steps": -1}, "n_steps must be >= 0, got -1"),
        ({"noise_std": -0.5}, "noise_std must be >= 0"),
    ],
)
def test_descend_refuses_bad_arguments(kwargs, message):
    arguments = {"surface": get_surface("bowl"), "start": (1.0, 1.0), **kwargs}
    with pytest.raises(ValueError, match=message):
        descend(**arguments)


# --------------------------------------------------------------------------
# Stall diagnosis on many variables


def test_diagnose_stall_finds_the_extreme_curvatures_of_a_symmetric_matrix():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 20))
    H = A + A.T
    report = diagnose_stall(lambda theta: H @ theta, np.zeros(20))
    eigenvalues = np.linalg.eigvalsh(H)
    assert report.kind == "saddle"
    assert report.lowest_curvature == pytest.approx(eigenvalues[0], rel=1e-6)
    assert report.highest_curvature == pytest.approx(eigenvalues[-1], rel=1e-6)


@pytest.mark.parametrize(
    "scale, theta, kind",
    [
        (np.array([2.0, 2.0, 2.0]), np.zeros(3), "minimum"),
        (np.array([2.0, -2.0, 2.0]), np.zeros(3), "saddle"),
        (np.full(3, 1e-5), np.ones(3), "plateau"),
        (np.full(3, 2.0), np.ones(3), "descending"),
    ],
)
def test_diagnose_stall_applies_the_same_rule_as_in_two_dimensions(scale, theta, kind):
    assert diagnose_stall(lambda t: scale * t, theta).kind == kind


def _zero_weight_net(x, t):
    net = MultiLayerNet(x.shape[1], [4], 3, activation="tanh", dtype=np.float64, rng=0)
    for param in net.params.values():
        param[...] = 0
    net.params["b2"][...] = np.log(np.bincount(t, minlength=3) / len(t))
    return net


def test_a_net_whose_weights_all_start_at_zero_sits_on_a_saddle_and_is_left_unchanged():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 5))
    t = np.arange(30) % 3
    net = _zero_weight_net(x, t)
    before = net.state_dict()
    report = diagnose_net(net, x, t)
    assert report.kind == "saddle"
    assert report.gradient_norm < 1e-12 and report.lowest_curvature < 0 < report.highest_curvature
    for name, param in net.params.items():
        np.testing.assert_array_equal(param, before[name])


def test_steps_is_a_deprecated_name_of_n_steps():
    saddle = get_surface("saddle")
    with pytest.warns(DeprecationWarning, match=r"descend: steps= is deprecated.*use n_steps="):
        old = descend(saddle, (1.0, 0.001), "sgd", lr=0.1, steps=7)
    new = descend(saddle, (1.0, 0.001), "sgd", lr=0.1, n_steps=7)
    assert old.n_steps == new.n_steps == 7
    np.testing.assert_array_equal(old.points, new.points)
