import numpy as np
import pytest
from matplotlib.figure import Figure

from deepkiso.plots.curves import (
    confusion_matrix_figure,
    learning_curve_figure,
    regression_fit_figure,
)
from deepkiso.training import History


def history(accuracy=True):
    rng = np.random.default_rng(0)
    losses = list(np.exp(-np.linspace(0, 7, 40)) * (1 + 0.1 * rng.random(40)))
    rows = [
        {
            "epoch": e,
            "iteration": 10 * e,
            "train_loss": 1 / e,
            "test_loss": 1.1 / e,
            "train_accuracy": 1 - 0.5 / e if accuracy else None,
            "test_accuracy": 1 - 0.6 / e if accuracy else None,
            "seconds": 0.1,
        }
        for e in range(1, 5)
    ]
    return History(losses, rows)


def test_learning_curves_show_loss_per_iteration_and_accuracy_per_epoch():
    figure = learning_curve_figure(history(), title="run")
    assert isinstance(figure, Figure)
    loss_axes, accuracy_axes = figure.axes
    assert loss_axes.get_xlabel() == "iteration" and loss_axes.get_yscale() == "log"
    assert len(loss_axes.lines[0].get_xdata()) == 40
    assert accuracy_axes.get_ylabel() == "accuracy"
    assert [line.get_label() for line in accuracy_axes.lines] == ["train", "test"]
    assert figure._suptitle.get_text() == "run"


def test_regression_curves_show_loss_per_epoch_and_the_fit():
    x = np.linspace(-1, 1, 30)
    figure = learning_curve_figure(history(accuracy=False), fit=(x, np.sin(x), x, np.sin(x)))
    assert len(figure.axes) == 3
    assert figure.axes[1].get_ylabel() == "loss"
    assert figure.axes[2].get_title() == "fitted curve"


def test_learning_curves_of_an_empty_history_still_draw(tmp_path):
    learning_curve_figure(History()).savefig(tmp_path / "empty.png")
    assert (tmp_path / "empty.png").stat().st_size > 0


def test_regression_fit_draws_the_curve_in_x_order():
    x_line = np.array([0.5, -0.5, 0.0])
    figure = regression_fit_figure(np.zeros(3), np.zeros(3), x_line, 2 * x_line)
    line = figure.axes[0].lines[0]
    assert np.array_equal(line.get_xdata(), [-0.5, 0.0, 0.5])
    assert np.array_equal(line.get_ydata(), [-1.0, 0.0, 1.0])


def test_confusion_matrix_labels_cells_with_counts():
    matrix = np.array([[5, 1], [0, 4]])
    figure = confusion_matrix_figure(matrix, ["cat", "dog"])
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.texts] == ["5", "1", "0", "4"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    assert ax.images[0].get_array()[0, 0] == pytest.approx(5 / 6)


def test_confusion_matrix_rejects_a_bad_shape_or_names():
    with pytest.raises(ValueError, match=r"square \(C, C\) matrix, got shape \(2, 3\)"):
        confusion_matrix_figure(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 classes but 3 class names"):
        confusion_matrix_figure(np.zeros((2, 2)), ["a", "b", "c"])
