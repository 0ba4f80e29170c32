"""ScaledImages: uint8 pixels in memory, the same float32 rows as load_dataset's, bit for bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepkiso.data import ScaledImages, load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD, Adam
from deepkiso.training import Trainer, evaluate


def _as_load_dataset_scales(pixels, pixel_max):
    x = pixels.astype(np.float32)
    x /= pixel_max  # what load_dataset does to its float copy
    return x.reshape(len(x), -1)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    pixel_max=st.sampled_from([16, 255]),
    seed=st.integers(0, 2**32 - 1),
    batch=st.integers(1, 50),
)
def test_take_slices_and_the_whole_array_are_the_float_rows_exactly(n, pixel_max, seed, batch):
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, pixel_max + 1, (n, 3, 4), dtype=np.uint8)
    images, expected = ScaledImages(pixels, pixel_max), _as_load_dataset_scales(pixels, pixel_max)
    index = rng.integers(0, n, batch)
    out = np.empty((batch, 12), np.float32)
    assert images.take(index, axis=0, out=out, mode="clip") is out
    assert np.array_equal(out.view(np.uint32), expected[index].view(np.uint32))
    start = int(rng.integers(0, n))
    assert np.array_equal(images[start : start + 7], expected[start : start + 7])
    assert np.array_equal(np.asarray(images), expected)
    assert images.shape == (n, 12) and images.ndim == 2 and images.dtype == np.float32
    assert len(images) == n and images.nbytes == pixels.nbytes


def test_compact_digits_are_load_datasets_arrays_at_a_quarter_of_the_bytes():
    (x, t), (x_test, t_test) = load_dataset("digits")
    (cx, ct), (cx_test, ct_test) = load_dataset("digits", compact=True)
    assert isinstance(cx, ScaledImages) and cx.nbytes * 4 == x.nbytes
    assert np.array_equal(np.asarray(cx), x) and np.array_equal(np.asarray(cx_test), x_test)
    assert np.array_equal(ct, t) and np.array_equal(ct_test, t_test)
    (raw, _t), _test = load_dataset("digits", compact=True, normalize=False)
    assert np.asarray(raw).max() == 16.0


@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_training_on_compact_images_gives_the_same_weights(optimizer):
    (x, t), (x_test, t_test) = load_dataset("digits")
    (cx, ct), (cx_test, _ct) = load_dataset("digits", compact=True)
    runs = []
    for x_train, x_eval in ((x, x_test), (cx, cx_test)):
        net = TwoLayerNet(64, 32, 10, weight_init_std="he", rng=3)
        sampler = make_sampler("shuffle", n_samples=len(t), batch_size=50, rng=3)
        history = Trainer(net, optimizer(0.01), sampler, 2).train(
            x_train, ct, x_eval, t_test, verbose=False
        )
        runs.append((net, history, evaluate(net, x_eval, t_test, chunk_size=77)))
    (net_a, history_a, eval_a), (net_b, history_b, eval_b) = runs
    for key in net_a.params:
        assert np.array_equal(net_a.params[key], net_b.params[key]), key
    assert history_a.iteration_loss == history_b.iteration_loss
    assert history_a.epochs[-1]["test_accuracy"] == history_b.epochs[-1]["test_accuracy"]
    assert eval_a == eval_b


def test_only_integer_pixels_and_row_gathers():
    with pytest.raises(ValueError, match="integer array"):
        ScaledImages(np.zeros((2, 3), np.float32), 255)
    images = ScaledImages(np.zeros((2, 3), np.uint8), 255)
    with pytest.raises(ValueError, match="axis=0"):
        images.take(np.array([0]), axis=1)
