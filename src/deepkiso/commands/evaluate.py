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
from deepkiso.i18n import N_, _
from deepkiso.training.evaluation import evaluate, in_chunks

NAME = "evaluate"
HELP = N_("measure a trained run on its test data: accuracy, per-class accuracy, confusion matrix")


def add_arguments(parser) -> None:
    parser.add_argument(
        "run_dir", metavar="RUN_DIR", help=_("a directory written by deepkiso train")
    )
    parser.add_argument(
        "--split", metavar="SPLIT", default="test", help=_("test or train (default: test)")
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("folder with the data set's files (default: the one the run was trained with)"),
    )
    _runs.add_mirror_argument(parser)
    parser.add_argument(
        "--chunk-size",
        metavar="N",
        type=BATCH_SIZE,
        default=10_000,
        help=_("samples per forward pass, which bounds memory, {range} (default: 10000)").format(
            range=BATCH_SIZE
        ),
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help=_(
            "where to save the picture, .png, .svg, .pdf or .jpg (default: RUN_DIR/confusion.png, "
            "or fit.png for regression)"
        ),
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
        print(_("picture: {path}").format(path=picture))
    return 0


def confusion_matrix(
    net, x: np.ndarray, t: np.ndarray, n_classes: int, chunk_size: int
) -> tuple[np.ndarray, float]:
    """One pass over the data in chunks: the (C, C) counts (row the true class, column the
    predicted one) and the mean loss. t: labels (N,) or one-hot (N, C)."""
    labels = to_labels(t)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    loss_sum = 0.0
    for start, x_chunk in in_chunks(x, chunk_size):
        scores = net.predict(x_chunk)
        loss_sum += net.last_layer.forward(scores, t[start : start + len(scores)]) * len(scores)
        truth = labels[start : start + len(scores)]
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
        _("{dataset} {split}: {n} samples, accuracy {accuracy:.4f}, loss {loss:.4f}").format(
            dataset=settings.dataset,
            split=split,
            n=len(x),
            accuracy=correct.sum() / len(x),
            loss=loss,
        )
    )
    heads = [_("class"), _("samples"), _("correct"), _("accuracy"), _("most often taken for")]
    # Columns as wide as their heading (a Japanese one is wider) and at least as the numbers need.
    widths = [
        max(_output.text_width(heads[0]), *(_output.text_width(name) for name in names)),
        *(max(least, _output.text_width(head)) for head, least in zip(heads[1:4], (7, 7, 8))),
    ]

    def row(*cells: str) -> str:
        aligned = [_output.pad(cells[0], widths[0], "<")]
        aligned += [_output.pad(cell, w, ">") for cell, w in zip(cells[1:4], widths[1:])]
        return "  ".join([*aligned, cells[4]])

    print(row(*heads))
    for k, name in enumerate(names):
        accuracy = f"{correct[k] / counts[k]:.4f}" if counts[k] else "-"
        wrong = matrix[k].copy()
        wrong[k] = 0
        confused = (
            f"{names[int(np.argmax(wrong))]} ({int(wrong.max())})" if wrong.max() > 0 else "-"
        )
        print(row(name, str(counts[k]), str(correct[k]), accuracy, confused))
    path = out or run_dir / _runs.CONFUSION_NAME
    title = _("{dataset} {split}: accuracy {accuracy:.4f}").format(
        dataset=settings.dataset, split=split, accuracy=correct.sum() / len(x)
    )
    from deepkiso.plots.curves import confusion_matrix_figure  # here: matplotlib is slow to load

    return _output.write_figure(
        confusion_matrix_figure(matrix, names, title=title), path, _output.RUN_PICTURE_DPI
    )


def _regression_report(net, x, t, settings, chunk_size, split, out, run_dir) -> Path | None:
    loss, _accuracy = evaluate(net, x, t, chunk_size)
    print(
        _(
            "{dataset} {split}: {n} samples, squared-error loss {loss:.6f} "
            "(root mean squared error {rmse:.4f})"
        ).format(
            dataset=settings.dataset,
            split=split,
            n=len(x),
            loss=loss,
            rmse=np.sqrt(2 * loss / t.shape[1]),
        )
    )
    if x.shape[1] != 1 or t.shape[1] != 1:
        print(
            _(
                "no picture: {dataset} has {inputs} inputs and {outputs} outputs, "
                "and a fitted curve is drawn for one of each"
            ).format(dataset=settings.dataset, inputs=x.shape[1], outputs=t.shape[1])
        )
        return None
    x_line = np.linspace(x.min(), x.max(), 400, dtype=x.dtype).reshape(-1, 1)
    from deepkiso.plots.curves import regression_fit_figure  # here: matplotlib is slow to load

    figure = regression_fit_figure(
        x[:, 0],
        t[:, 0],
        x_line[:, 0],
        net.predict(x_line)[:, 0],
        title=_("{dataset} {split}: loss {loss:.5f}").format(
            dataset=settings.dataset, split=split, loss=loss
        ),
    )
    return _output.write_figure(figure, out or run_dir / _runs.FIT_NAME, _output.RUN_PICTURE_DPI)


def _check_out(path: Path) -> Path:
    """Refuse an --out we cannot write before the evaluation runs."""
    _output.check_path(path, "--out")
    if not path.parent.is_dir():
        raise UsageError(
            _("--out {path}: folder {folder} does not exist").format(path=path, folder=path.parent)
        )
    return path
