"""What the tests of deepkiso.training share: the digits, and small trainers on them."""

import pytest

from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import Adam
from deepkiso.training import Trainer


@pytest.fixture(scope="session")
def digits():
    return load_dataset("digits")


def _make_trainer(x, t, n_epochs=3, hidden=16, lr=0.01, batch_size=32, seed=0, **options):
    net = TwoLayerNet(x.shape[1], hidden, 10, weight_init_std="he", rng=seed)
    sampler = make_sampler("shuffle", n_samples=len(x), batch_size=batch_size, rng=seed)
    return Trainer(net, Adam(lr), sampler, n_epochs, **options)


@pytest.fixture
def make_trainer():
    """make_trainer(x, t, n_epochs=3, hidden=16, lr=0.01, batch_size=32, seed=0, **Trainer options):
    an Adam-trained TwoLayerNet(64, hidden, 10) with a shuffle sampler, seeded."""
    return _make_trainer
