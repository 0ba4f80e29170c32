"""What Trainer.train shows: a bar and a line per epoch unless verbose=False, live curves in a notebook."""

import warnings

import numpy as np
import pytest

from deepkiso.training import Callback
from deepkiso.training.progress import ProgressReport, epoch_line


def test_train_prints_one_line_per_epoch_and_a_bar_on_stderr(make_trainer, digits, capsys):
    (x, t), (x_test, t_test) = digits
    make_trainer(x, t, n_epochs=2).train(x, t, x_test, t_test)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2  loss ") and "train acc" in lines[0]
    assert "test loss" in lines[1] and "test acc" in lines[1] and lines[1].endswith(" s")
    assert "epoch 1/2" in err and "batch" in err  # tqdm's text bar


def test_verbose_false_shows_nothing_and_trains_the_same_numbers(make_trainer, digits, capsys):
    (x, t), _ = digits
    quiet, shown = make_trainer(x, t, n_epochs=2), make_trainer(x, t, n_epochs=2)
    quiet.train(x, t, verbose=False)
    assert capsys.readouterr() == ("", "")
    shown.train(x, t)
    for key, value in quiet.net.params.items():
        assert np.array_equal(value, shown.net.params[key]), key
    assert quiet.history.iteration_loss == shown.history.iteration_loss


def test_the_bar_is_closed_when_training_stops_with_an_error(make_trainer, digits, monkeypatch):
    (x, t), _ = digits
    closed = []
    monkeypatch.setattr(ProgressReport, "close", lambda self: closed.append(True))

    class Interrupt(Callback):
        def on_iteration(self, trainer, loss):
            if trainer.iteration == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_trainer(x, t, n_epochs=1, callbacks=[Interrupt()]).train(x, t)
    assert closed


def test_the_epoch_line_leaves_out_what_was_not_measured():
    row = {
        "epoch": 3,
        "train_loss": 0.25,
        "train_accuracy": None,
        "test_loss": None,
        "seconds": 1.26,
    }
    assert epoch_line(10, row) == "epoch  3/10  loss 0.2500  1.3 s"


def test_the_epoch_line_in_japanese(japanese):
    row = {"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.75, "test_loss": 0.6, "seconds": 2.0}
    row["test_accuracy"] = 0.7
    assert epoch_line(1, row) == (
        "エポック 1/1  損失 0.5000  訓練正解率 0.7500  テスト損失 0.6000  テスト正解率 0.7000  2.0 秒"
    )


def test_live_plot_outside_a_notebook_warns_and_trains(make_trainer, digits, capsys):
    (x, t), _ = digits
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_trainer(x, t, n_epochs=1).train(x, t, live_plot=True)
    assert any("Jupyter notebook only" in str(w.message) for w in caught)


def test_live_plot_in_a_notebook_redraws_one_picture(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = """
import matplotlib.pyplot as plt  # pyplot in use: the curves must still not stay open in it
from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD
from deepkiso.training import Trainer
(x, t), (x_test, t_test) = load_dataset("digits")
net = TwoLayerNet(64, 16, 10, rng=0)
sampler = make_sampler("shuffle", n_samples=len(x), batch_size=64, rng=0)
history = Trainer(net, SGD(0.1), sampler, 3).train(x, t, x_test, t_test, live_plot=True)
"""
    cells = [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("print(plt.get_fignums())")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # drawn after epoch 1, then updated in place
    printed = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert printed.count("epoch ") == 3
    assert notebook.cells[1].outputs[0]["text"] == "[]\n"
