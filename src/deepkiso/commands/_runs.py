"""What ``deepkiso train``, ``evaluate`` and ``predict`` share: run directories, settings, nets.

A run directory holds ``settings.json`` (everything needed to rebuild the net,
the optimizer and the sampler), the metrics, the pictures and the checkpoint.
This module reads and checks user input and turns library errors into the
command line's one-line ``UsageError``s; it holds no maths.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from deepkiso._types import spawn_rngs
from deepkiso.commands._run_settings import RunSettings
from deepkiso.data import dataset_info, load_dataset
from deepkiso.data.download import MIRROR_VARIABLE, MIRRORS, check_mirror_url
from deepkiso.errors import JobError, UsageError
from deepkiso.files import read_regular_file, write_file_atomically, write_json
from deepkiso.i18n import _
from deepkiso.nets import MultiLayerNet, TwoLayerNet
from deepkiso.optimizers import make_optimizer
from deepkiso.training import CHECKPOINT_NAME, Checkpoint, checkpoint_layout, load_checkpoint

SETTINGS_NAME = "settings.json"
METRICS_CSV = "metrics.csv"
METRICS_JSONL = "metrics.jsonl"
CURVES_NAME = "curves.png"
CONFUSION_NAME = "confusion.png"
FIT_NAME = "fit.png"
METRIC_COLUMNS = (
    "epoch",
    "iteration",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "seconds",
)


# -- reading options --------------------------------------------------------------------------


def add_mirror_argument(parser) -> None:
    """--mirror URL, for every command that loads a data set (one declaration, one help text)."""
    parser.add_argument(
        "--mirror",
        metavar="URL",
        help=_(
            "a mirror of one's own, tried before the recorded ones when mnist, fashion-mnist or "
            "kmnist must be downloaded: URL/<dataset>/<file>.gz, http(s):// or file:// "
            "(default: ${variable}, else none)"
        ).format(variable=MIRROR_VARIABLE),
    )


def data_options(dataset: str, data_dir: str | None, mirror: str | None) -> dict[str, Any]:
    """The load_dataset options for --data-dir and --mirror, checked at once.

    Both apply to the sets read from files (mnist, fashion-mnist, kmnist): --data-dir for another
    set is refused rather than ignored; --mirror's URL is checked in any case, so a typo shows at
    once, and passed on only where a download can happen.
    """
    reads_files = dataset in MIRRORS
    if data_dir is not None and not reads_files:
        raise UsageError(
            _(
                "--data-dir applies to the data sets read from files ({names}), "
                "not to {dataset}, which needs no files"
            ).format(names=", ".join(MIRRORS), dataset=dataset)
        )
    options: dict[str, Any] = {} if data_dir is None else {"data_dir": data_dir}
    if mirror is not None:
        try:
            check_mirror_url(mirror, "--mirror")
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if reads_files:
            options["mirror"] = mirror
    return options


def choice(option: str, value: str, choices) -> str:
    if value not in choices:
        raise UsageError(
            _("unknown {option} {value!r}; choose one of {choices}").format(
                option=option, value=value, choices=", ".join(sorted(choices))
            )
        )
    return value


# -- files --------------------------------------------------------------------------------------


def write_metrics(run_dir: Path, epochs: list[dict[str, Any]]) -> None:
    """metrics.csv and metrics.jsonl, rewritten in full from the history (so they always match it)."""

    def cell(value):
        return "" if value is None else repr(value) if isinstance(value, float) else str(value)

    lines = [",".join(METRIC_COLUMNS)]
    lines += [",".join(cell(row.get(column)) for column in METRIC_COLUMNS) for row in epochs]
    write_file_atomically(run_dir / METRICS_CSV, ("\n".join(lines) + "\n").encode())
    jsonl = "".join(
        json.dumps({column: row.get(column) for column in METRIC_COLUMNS}) + "\n" for row in epochs
    )
    write_file_atomically(run_dir / METRICS_JSONL, jsonl.encode())


def existing_run_dir(text: str) -> Path:
    """A run directory given on the command line: it must exist and hold settings.json."""
    run_dir = Path(text)
    if not run_dir.is_dir():
        raise UsageError(_("run directory {path} does not exist").format(path=run_dir))
    if not (run_dir / SETTINGS_NAME).is_file():
        raise UsageError(
            _("{path} is not a run directory: it holds no {name}").format(
                path=run_dir, name=SETTINGS_NAME
            )
        )
    return run_dir


def read_settings(run_dir: Path) -> RunSettings:
    """The run's settings.json, every field the commands use checked (a UsageError naming the first misfit)."""
    path = run_dir / SETTINGS_NAME
    try:
        data = json.loads(read_regular_file(path, _MAX_SETTINGS_BYTES))
    except (
        FileNotFoundError,
        ValueError,
        RecursionError,
    ) as exc:  # JSONDecodeError is a ValueError
        raise UsageError(
            _("{path}: cannot be read as JSON ({cause})").format(path=path, cause=_one_line(exc))
        ) from None
    try:
        return RunSettings.from_dict(data)
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}") from None


def write_settings(run_dir: Path, settings: RunSettings) -> None:
    """settings.json, atomically, in the layout runs have always written (see RunSettings.to_dict)."""
    write_json(run_dir / SETTINGS_NAME, settings.to_dict())


_MAX_SETTINGS_BYTES = 1 << 20


# -- data and nets ------------------------------------------------------------------------------


def load_data(settings: RunSettings, mirror: str | None = None):
    """The run's data set, as ((x_train, t_train), (x_test, t_test)); errors become one line.

    mirror: --mirror's URL, or None.
    """
    one_hot = settings.task == "classification" and settings.loss == "squared"
    options = data_options(settings.dataset, settings.data_dir, mirror)
    try:
        # Images stay uint8 and are scaled per batch: a quarter of the memory, the same numbers.
        compact = settings.task == "classification"
        return load_dataset(settings.dataset, one_hot=one_hot, compact=compact, **options)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(_one_line(exc)) from None
    except OSError as exc:
        raise JobError(_one_line(exc)) from None


def build_net(settings: RunSettings) -> MultiLayerNet:
    """A fresh net as the settings describe it, its weights drawn from the run's seed."""
    input_size, *hidden, output_size = settings.layer_sizes
    net_rng, _sampler_rng = run_rngs(settings.seed)
    if settings.model == "two-layer":
        return TwoLayerNet(
            input_size,
            hidden[0],
            output_size,
            weight_init_std=settings.weight_init,
            activation=settings.activation,
            loss=settings.loss,
            rng=net_rng,
        )
    return MultiLayerNet(
        input_size,
        hidden,
        output_size,
        weight_init=settings.weight_init,
        activation=settings.activation,
        loss=settings.loss,
        rng=net_rng,
    )


def run_rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The generators of the initial weights and of the sampler: independent streams, both fixed by
    the one --seed (the k-th of SeedSequence(seed).spawn(2), as runs have always drawn them)."""
    net_rng, sampler_rng = spawn_rngs(seed, 2)
    return net_rng, sampler_rng


def build_optimizer(settings: RunSettings):
    """The optimizer settings.json names, with its learning rate."""
    return make_optimizer(settings.optimizer, settings.lr)


def restore_net(run_dir: Path, settings: RunSettings) -> MultiLayerNet:
    """The run's net with the weights of its latest checkpoint, verified as ``train --resume`` verifies it."""
    net = build_net(settings)
    checkpoint = read_checkpoint(run_dir, checkpoint_layout(net, build_optimizer(settings)))
    if checkpoint is None:
        raise UsageError(
            _(
                "{path} holds no checkpoint yet ({name}): the run stopped before its first one; "
                "resume it with deepkiso train --resume {path}"
            ).format(path=run_dir, name=CHECKPOINT_NAME)
        )
    load_into(
        net.load_state_dict,
        {k[4:]: v for k, v in checkpoint.state.items() if k.startswith("net/")},
        checkpoint.json_path,
    )
    if not all(np.all(np.isfinite(param)) for param in net.params.values()):
        raise JobError(
            _("{path}: holds weights that are not finite").format(path=checkpoint.arrays_path)
        )
    return net


def read_checkpoint(run_dir: Path, layout: dict[str, tuple]) -> Checkpoint | None:
    """The run's checkpoint, its arrays checked against layout (see training.checkpoint_layout).

    None only when the run has never written one: no checkpoint.json and nothing else a trained run
    leaves (a checkpoint-*.npz, metrics). A checkpoint.json that is missing from a trained run, or
    one that cannot be read or verified, is a JobError naming the file and what is wrong.
    """
    try:
        return load_checkpoint(run_dir, layout)
    except FileNotFoundError:
        traces = _traces_of_training(run_dir)
        if traces:
            raise JobError(
                _(
                    "{path}: missing, yet {run_dir} holds {traces} from training; "
                    "nothing was changed (restore {name}, or train a new run with --out)"
                ).format(
                    path=run_dir / CHECKPOINT_NAME,
                    run_dir=run_dir,
                    traces=traces,
                    name=CHECKPOINT_NAME,
                )
            ) from None
        return None
    except ValueError as exc:
        raise JobError(_one_line(exc)) from None


def _traces_of_training(run_dir: Path) -> str:
    """The files in run_dir that only a run that has trained writes, named in one phrase ('' for none)."""
    names = sorted(path.name for path in run_dir.glob("checkpoint-*.npz"))
    names += [name for name in (METRICS_CSV, METRICS_JSONL) if (run_dir / name).exists()]
    if len(names) > 3:
        return _("{names} and {count} more").format(
            names=", ".join(names[:3]), count=len(names) - 3
        )
    return ", ".join(names)


def load_into(load_state_dict, state: dict, source: Path) -> None:
    """Call load_state_dict(state); a misfit becomes one line listing every mismatch."""
    try:
        load_state_dict(state)
    except ValueError as exc:
        raise JobError(
            _("{source} does not fit the run that {name} describes: {cause}").format(
                source=source, name=SETTINGS_NAME, cause=_one_line(exc)
            )
        ) from None


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line: continuation lines joined with '; '."""
    parts = [part.strip() for part in str(exc).splitlines() if part.strip()]
    if not parts:
        return type(exc).__name__
    head, rest = parts[0], parts[1:]
    if rest:
        return f"{head.rstrip(':')}: " + "; ".join(rest)
    return head


def class_names(settings: RunSettings) -> list[str]:
    info = dataset_info(settings.dataset)
    names = info.class_names or range(settings.output_size or 0)
    return [str(name) for name in names]
