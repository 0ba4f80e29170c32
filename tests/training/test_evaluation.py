import pytest

from deepkiso.nets import TwoLayerNet
from deepkiso.training import evaluate


def test_evaluate_in_chunks_matches_one_pass(digits):
    (x, t), _ = digits
    net = TwoLayerNet(64, 16, 10, weight_init_std="he")
    loss, accuracy = evaluate(net, x, t, chunk_size=100)
    assert loss == pytest.approx(net.loss(x, t), rel=1e-5)
    assert accuracy == pytest.approx(net.accuracy(x, t))
