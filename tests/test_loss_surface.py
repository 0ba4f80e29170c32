"""Tests of deepkiso.loss_surface: the error rate is a staircase with zero slope, the cross-entropy is not."""

import numpy as np
import pytest

from deepkiso.loss_surface import count_zero_gradients, random_direction, scan_line, train_briefly


@pytest.fixture(scope="module")
def blobs():
    """Three Gaussian classes in 6-D, the last feature 0 in every sample (as a blank pixel is)."""
    rng = np.random.default_rng(0)
    t = np.arange(60) % 3
    x = rng.standard_normal((60, 6)) + 1.5 * np.eye(6)[t]
    x[:, -1] = 0
    return x.astype(np.float32), t


@pytest.fixture(scope="module")
def trained(blobs):
    x, t = blobs
    return train_briefly(x, t, hidden_size=5, n_steps=60, batch_size=20, rng=0)


def test_brief_training_learns_something(blobs, trained):
    x, t = blobs
    assert trained.accuracy(x, t) > 0.6


def test_error_rate_is_a_staircase_with_zero_slope_and_cross_entropy_is_smooth(blobs, trained):
    x, t = blobs
    scan = scan_line(trained, x, t, alphas=np.linspace(-1, 1, 101), rng=1)
    steps = scan.error_rate * len(x)
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)  # multiples of 1/N
    assert len(np.unique(scan.error_rate)) > 3
    assert scan.zero_slope_fraction("error_rate") > 0.9
    assert scan.zero_slope_fraction("cross_entropy") == 0.0


def test_scan_starts_from_the_trained_net_and_leaves_it_unchanged(blobs, trained):
    x, t = blobs
    before = trained.state_dict()
    scan = scan_line(trained, x, t, alphas=[0.0], rng=1)
    assert scan.error_rate[0] == pytest.approx(1 - trained.accuracy(x, t))
    assert scan.cross_entropy[0] == pytest.approx(trained.loss(x, t), rel=1e-5)
    for name, param in trained.params.items():
        np.testing.assert_array_equal(param, before[name])


def test_changing_a_scans_alphas_leaves_the_next_default_scan_alone(blobs, trained):
    x, t = blobs
    first = scan_line(trained, x[:6], t[:6], rng=1)
    first.alphas[:] = 0.0
    np.testing.assert_array_equal(
        scan_line(trained, x[:6], t[:6], rng=1).alphas, np.linspace(-1, 1, 401)
    )


def test_random_direction_matches_each_parameters_norm_and_seed(trained):
    d = random_direction(trained, rng=5)
    for name, param in trained.params.items():
        assert d[name].shape == param.shape
        assert np.linalg.norm(d[name]) == pytest.approx(np.linalg.norm(param) or 1.0)
    np.testing.assert_array_equal(d["W1"], random_direction(trained, rng=5)["W1"])


def test_whole_numerical_gradient_of_the_error_rate_is_zero_and_of_cross_entropy_only_for_inert_weights(
    blobs, trained
):
    x, t = blobs
    (count,) = count_zero_gradients(trained, x, t, random_direction(trained, 2), alphas=[0.0])
    assert count.n_params == sum(p.size for p in trained.params.values())
    assert count.error_rate_zeros == count.n_params
    assert count.inert_params == 5  # the always-zero feature feeds 5 hidden units
    assert count.cross_entropy_zeros == count.inert_params


def test_bad_data_is_refused_with_the_shapes():
    with pytest.raises(ValueError, match=r"got shapes \(4, 3\) and \(5,\)"):
        train_briefly(np.zeros((4, 3)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="unknown quantity 'accuracy'"):
        scan = scan_line(
            train_briefly(np.eye(3, dtype=np.float32), np.arange(3), n_steps=1),
            np.eye(3),
            np.arange(3),
            alphas=[0.0],
        )
        scan.zero_slope_fraction("accuracy")
