"""``deepkiso evaluate RUN_DIR``: how well a trained net does, class by class.

After exercise 2_10's training, the learner asks which classes the net gets
wrong and what it takes them for. This command reloads a run's net from its
checkpoint, measures it on the test (or training) split in chunks, prints the
accuracy and a per-class table, and saves a confusion-matrix picture. For a
regression run it prints the loss and saves the fitted curve (exercise 2_11).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from deepkiso.commands import _output, _runs
from deepkiso.commands._options import BATCH_SIZE
from deepkiso.errors import UsageError
from deepkiso.functions import to_labels
from deepkiso.training import evaluate

NAME = "evaluate"
HELP = "measure a trained run on its test data: accuracy, per-class accuracy, confusion matrix"


def add_arguments(parser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by deepkiso train")
    parser.add_argument(
        "--split", metavar="SPLIT", default="test", help="test or train (default: test)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder with the data set's files (default: the one the run was trained with)",
    )
    _runs.add_mirror_argument(parser)
    parser.add_argument(
        "--chunk-size",
        metavar="N",
        type=BATCH_SIZE,
        default=10_000,
        help=f"samples per forward pass, which bounds memory, {BATCH_SIZE} (default: 10000)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="where to save the picture, .png, .svg, .pdf or .jpg (default: RUN_DIR/confusion.png, "
        "or fit.png for regression)",
    )


def run(args) -> int:
    run_dir = _runs.existing_run_dir(args.run_dir)
    split = _runs.choice("split", args.split, ("test", "train"))
    chunk_size = args.chunk_size
    out = _check_out(Path(args.out)) if args.out else None
    settings = _runs.read_settings(run_dir)
    if args.data_dir is not None:
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    net = _runs.restore_net(run_dir, settings)
    train, test = _runs.load_data(settings, args.mirror)
    x, t = test if split == "test" else train
    picture: Path | None
    if settings.task == "classification":
        picture = _classification_report(net, x, t, settings, chunk_size, split, out, run_dir)
    else:
        picture = _regression_report(net, x, t, settings, chunk_size, split, out, run_dir)
    if picture is not None:
        print(f"picture: {picture}")
    return 0


def confusion_matrix(
    net, x: np.ndarray, t: np.ndarray, n_classes: int, chunk_size: int
) -> tuple[np.ndarray, float]:
    """One pass over the data in chunks: the (C, C) counts (row the true class, column the
    predicted one) and the mean loss. t: labels (N,) or one-hot (N, C)."""
    labels = to_labels(t)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    loss_sum = 0.0
    for start in range(0, len(x), chunk_size):
        scores = net.predict(x[start : start + chunk_size])
        loss_sum += net.last_layer.forward(scores, t[start : start + chunk_size]) * len(scores)
        truth = labels[start : start + chunk_size]
        matrix += np.bincount(
            truth * n_classes + np.argmax(scores, axis=1), minlength=n_classes * n_classes
        ).reshape(n_classes, n_classes)
    return matrix, loss_sum / len(x)


def _classification_report(net, x, t, settings, chunk_size, split, out, run_dir) -> Path:
    names = _runs.class_names(settings)
    matrix, loss = confusion_matrix(net, x, t, len(names), chunk_size)
    correct = np.diag(matrix)
    counts = matrix.sum(axis=1)
    print(
        f"{settings.dataset} {split}: {len(x)} samples, accuracy {correct.sum() / len(x):.4f}, loss {loss:.4f}"
    )
    width = max(len("class"), *(len(name) for name in names))
    print(
        f"{'class':<{width}}  {'samples':>7}  {'correct':>7}  {'accuracy':>8}  most often taken for"
    )
    for k, name in enumerate(names):
        accuracy = f"{correct[k] / counts[k]:.4f}" if counts[k] else "-"
        wrong = matrix[k].copy()
        wrong[k] = 0
        confused = (
            f"{names[int(np.argmax(wrong))]} ({int(wrong.max())})" if wrong.max() > 0 else "-"
        )
        print(f"{name:<{width}}  {counts[k]:>7}  {correct[k]:>7}  {accuracy:>8}  {confused}")
    path = out or run_dir / _runs.CONFUSION_NAME
    title = f"{settings.dataset} {split}: accuracy {correct.sum() / len(x):.4f}"
    from deepkiso.plots.curves import confusion_matrix_figure  # here: matplotlib is slow to load

    return _output.write_figure(
        confusion_matrix_figure(matrix, names, title=title), path, _output.RUN_PICTURE_DPI
    )


def _regression_report(net, x, t, settings, chunk_size, split, out, run_dir) -> Path | None:
    loss, _ = evaluate(net, x, t, chunk_size)
    print(
        f"{settings.dataset} {split}: {len(x)} samples, squared-error loss {loss:.6f} "
        f"(root mean squared error {np.sqrt(2 * loss / t.shape[1]):.4f})"
    )
    if x.shape[1] != 1 or t.shape[1] != 1:
        print(
            f"no picture: {settings.dataset} has {x.shape[1]} inputs and {t.shape[1]} outputs, "
            f"and a fitted curve is drawn for one of each"
        )
        return None
    x_line = np.linspace(x.min(), x.max(), 400, dtype=x.dtype).reshape(-1, 1)
    from deepkiso.plots.curves import regression_fit_figure  # here: matplotlib is slow to load

    figure = regression_fit_figure(
        x[:, 0],
        t[:, 0],
        x_line[:, 0],
        net.predict(x_line)[:, 0],
        title=f"{settings.dataset} {split}: loss {loss:.5f}",
    )
    return _output.write_figure(figure, out or run_dir / _runs.FIT_NAME, _output.RUN_PICTURE_DPI)


def _check_out(path: Path) -> Path:
    """Refuse an --out we cannot write before the evaluation runs."""
    _output.check_path(path, "--out")
    if not path.parent.is_dir():
        raise UsageError(f"--out {path}: folder {path.parent} does not exist")
    return path
