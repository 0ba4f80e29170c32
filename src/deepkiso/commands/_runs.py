"""What ``deepkiso train``, ``evaluate`` and ``predict`` share: run directories, settings, nets.

A run directory holds ``settings.json`` (everything needed to rebuild the net,
the optimizer and the sampler), the metrics, the pictures and the checkpoint.
This module reads and checks user input and turns library errors into the
command line's one-line ``UsageError``s; it holds no maths.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from deepkiso.commands._figures import write_figure
from deepkiso.data import SAMPLERS, available_datasets, dataset_info, load_dataset
from deepkiso.data.download import MIRROR_VARIABLE, MIRRORS, check_mirror_url
from deepkiso.errors import JobError, UsageError
from deepkiso.files import read_regular_file, write_file_atomically
from deepkiso.layers import ACTIVATIONS
from deepkiso.nets import LOSSES, WEIGHT_INITS, MultiLayerNet, TwoLayerNet
from deepkiso.optimizers import OPTIMIZERS, make_optimizer
from deepkiso.training import CHECKPOINT_NAME, Checkpoint, checkpoint_layout, load_checkpoint
from deepkiso.training.checkpoints import shown

SETTINGS_NAME = "settings.json"
METRICS_CSV = "metrics.csv"
METRICS_JSONL = "metrics.jsonl"
CURVES_NAME = "curves.png"
CONFUSION_NAME = "confusion.png"
FIT_NAME = "fit.png"
MODELS = ("two-layer", "mlp")
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
        help=f"a mirror of one's own, tried before the recorded ones when mnist, fashion-mnist or "
        f"kmnist must be downloaded: URL/<dataset>/<file>.gz, http(s):// or file:// "
        f"(default: ${MIRROR_VARIABLE}, else none)",
    )


def data_options(dataset: str, data_dir: str | None, mirror: str | None) -> dict[str, str]:
    """The load_dataset options for --data-dir and --mirror, checked at once.

    Both apply to the sets read from files (mnist, fashion-mnist, kmnist): --data-dir for another
    set is refused rather than ignored; --mirror's URL is checked in any case, so a typo shows at
    once, and passed on only where a download can happen.
    """
    reads_files = dataset in MIRRORS
    if data_dir is not None and not reads_files:
        raise UsageError(
            f"--data-dir applies to the data sets read from files ({', '.join(MIRRORS)}), "
            f"not to {dataset}, which needs no files"
        )
    options = {} if data_dir is None else {"data_dir": data_dir}
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
        raise UsageError(f"unknown {option} {value!r}; choose one of {', '.join(sorted(choices))}")
    return value


# -- files --------------------------------------------------------------------------------------


def write_json(path: Path, value: Any) -> None:
    write_file_atomically(path, (json.dumps(value, indent=2) + "\n").encode())


def save_figure(figure, path: Path) -> Path:
    """The figure at 100 dpi in the format its suffix names (PNG, SVG, PDF, JPEG), written atomically."""
    return write_figure(figure, path, dpi=100)


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
        raise UsageError(f"run directory {run_dir} does not exist")
    if not (run_dir / SETTINGS_NAME).is_file():
        raise UsageError(f"{run_dir} is not a run directory: it holds no {SETTINGS_NAME}")
    return run_dir


def read_settings(run_dir: Path) -> dict[str, Any]:
    """The run's settings.json, every field the commands use checked (a UsageError naming the first misfit)."""
    path = run_dir / SETTINGS_NAME
    try:
        settings = json.loads(read_regular_file(path, _MAX_SETTINGS_BYTES))
    except (
        FileNotFoundError,
        ValueError,
        RecursionError,
    ) as exc:  # JSONDecodeError is a ValueError
        raise UsageError(f"{path}: cannot be read as JSON ({_one_line(exc)})") from None
    if not isinstance(settings, dict):
        raise UsageError(f"{path}: expected a JSON object, got {type(settings).__name__}")
    required = (
        "dataset",
        "task",
        "model",
        "hidden",
        "activation",
        "loss",
        "weight_init",
        "input_size",
        "output_size",
        "seed",
        "optimizer",
        "lr",
    )
    missing = [key for key in required if key not in settings]
    if missing:
        raise UsageError(f"{path}: missing {', '.join(missing)}")
    for key, check in _SETTINGS_CHECKS.items():
        if key in settings:
            expected = check(settings[key], settings)
            if expected is not None:
                raise UsageError(f'{path}: "{key}" must be {expected}, got {shown(settings[key])}')
    return settings


_MAX_SETTINGS_BYTES = 1 << 20
# The most weights a net rebuilt from a settings.json may have (256 MiB of float32, three times over
# with Adam's buffers), so an edited size is refused rather than allocated.
_MAX_PARAMETERS = 1 << 26


def _is_int_at_least(value: Any, minimum: int) -> bool:
    return type(value) is int and value >= minimum


def _is_positive_number(value: Any) -> bool:
    return type(value) in (int, float) and 0 < value < math.inf


def _n_parameters(settings: dict[str, Any]) -> int:
    sizes = [settings["input_size"], *settings["hidden"], settings["output_size"]]
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def _check_hidden(value: Any, settings: dict[str, Any]) -> str | None:
    if not (isinstance(value, list) and value and all(_is_int_at_least(size, 1) for size in value)):
        return "a non-empty list of positive integers"
    if settings.get("model") == "two-layer" and len(value) != 1:
        return "one size for the two-layer model"
    if (
        all(_is_int_at_least(settings.get(key), 1) for key in ("input_size", "output_size"))
        and _n_parameters(settings) > _MAX_PARAMETERS
    ):
        return f"sizes of a net with at most {_MAX_PARAMETERS} weights"
    return None


# For each field: (value, all the settings) -> None when it is right, else what it must be.
_SETTINGS_CHECKS = {
    "dataset": lambda v, s: (
        None if v in available_datasets() else f"one of {', '.join(available_datasets())}"
    ),
    "task": lambda v, s: (
        None
        if v in ("classification", "regression")
        and (s.get("dataset") not in available_datasets() or v == dataset_info(s["dataset"]).task)
        else "the data set's task"
    ),
    "model": lambda v, s: None if v in MODELS else f"one of {', '.join(MODELS)}",
    "hidden": _check_hidden,
    "activation": lambda v, s: None if v in ACTIVATIONS else f"one of {', '.join(ACTIVATIONS)}",
    "loss": lambda v, s: None if v in LOSSES else f"one of {', '.join(LOSSES)}",
    "weight_init": lambda v, s: (
        None
        if v in WEIGHT_INITS or _is_positive_number(v)
        else "he, xavier or a positive standard deviation"
    ),
    "input_size": lambda v, s: None if _is_int_at_least(v, 1) else "a positive integer",
    "output_size": lambda v, s: None if _is_int_at_least(v, 1) else "a positive integer",
    "seed": lambda v, s: None if _is_int_at_least(v, 0) else "a non-negative integer",
    "optimizer": lambda v, s: None if v in OPTIMIZERS else f"one of {', '.join(OPTIMIZERS)}",
    "lr": lambda v, s: None if _is_positive_number(v) else "a positive number",
    "batch_size": lambda v, s: None if _is_int_at_least(v, 1) else "a positive integer",
    "epochs": lambda v, s: None if _is_int_at_least(v, 1) else "a positive integer",
    "sampler": lambda v, s: None if v in SAMPLERS else f"one of {', '.join(SAMPLERS)}",
    "shuffle_every": lambda v, s: (
        None
        if v in (None, "epoch", "once", "never") or _is_int_at_least(v, 1)
        else "epoch, once, never, a positive number of epochs or null"
    ),
    "checkpoint_every": lambda v, s: None if _is_int_at_least(v, 0) else "a non-negative integer",
    "blas_threads": lambda v, s: (
        None if v is None or _is_int_at_least(v, 1) else "a positive integer or null"
    ),
    "data_dir": lambda v, s: None if v is None or isinstance(v, str) else "a folder's path or null",
}


# -- data and nets ------------------------------------------------------------------------------


def load_data(settings: dict[str, Any], mirror: str | None = None):
    """The run's data set, as ((x_train, t_train), (x_test, t_test)); errors become one line.

    mirror: --mirror's URL, or None.
    """
    one_hot = settings["task"] == "classification" and settings["loss"] == "squared"
    options = data_options(settings["dataset"], settings.get("data_dir"), mirror)
    try:
        return load_dataset(settings["dataset"], one_hot=one_hot, **options)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(_one_line(exc)) from None
    except OSError as exc:
        raise JobError(_one_line(exc)) from None


def build_net(settings: dict[str, Any]) -> MultiLayerNet:
    """A fresh net as the settings describe it, its weights drawn from the run's seed."""
    common = dict(
        activation=settings["activation"], loss=settings["loss"], rng=net_rng(settings["seed"])
    )
    if settings["model"] == "two-layer":
        return TwoLayerNet(
            settings["input_size"],
            settings["hidden"][0],
            settings["output_size"],
            weight_init_std=settings["weight_init"],
            **common,
        )
    return MultiLayerNet(
        settings["input_size"],
        settings["hidden"],
        settings["output_size"],
        weight_init=settings["weight_init"],
        **common,
    )


def _seeds(seed: int) -> list[np.random.SeedSequence]:
    # Independent streams for the weights and the sampler, both fixed by the one --seed.
    return np.random.SeedSequence(seed).spawn(2)


def net_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(_seeds(seed)[0])


def sampler_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(_seeds(seed)[1])


def build_optimizer(settings: dict[str, Any]):
    """The optimizer settings.json names, with its learning rate."""
    return make_optimizer(settings["optimizer"], settings["lr"])


def restore_net(run_dir: Path, settings: dict[str, Any]) -> MultiLayerNet:
    """The run's net with the weights of its latest checkpoint, verified as ``train --resume`` verifies it."""
    net = build_net(settings)
    checkpoint = read_checkpoint(run_dir, checkpoint_layout(net, build_optimizer(settings)))
    if checkpoint is None:
        raise UsageError(
            f"{run_dir} holds no checkpoint yet ({CHECKPOINT_NAME}): "
            f"the run stopped before its first one; resume it with deepkiso train --resume {run_dir}"
        )
    load_into(
        net.load_state_dict,
        {k[4:]: v for k, v in checkpoint.state.items() if k.startswith("net/")},
        checkpoint.json_path,
    )
    if not all(np.all(np.isfinite(param)) for param in net.params.values()):
        raise JobError(f"{checkpoint.arrays_path}: holds weights that are not finite")
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
                f"{run_dir / CHECKPOINT_NAME}: missing, yet {run_dir} holds {traces} from training; "
                f"nothing was changed (restore {CHECKPOINT_NAME}, or train a new run with --out)"
            ) from None
        return None
    except ValueError as exc:
        raise JobError(_one_line(exc)) from None


def _traces_of_training(run_dir: Path) -> str:
    """The files in run_dir that only a run that has trained writes, named in one phrase ('' for none)."""
    names = sorted(path.name for path in run_dir.glob("checkpoint-*.npz"))
    names += [name for name in (METRICS_CSV, METRICS_JSONL) if (run_dir / name).exists()]
    if len(names) > 3:
        return f"{', '.join(names[:3])} and {len(names) - 3} more"
    return ", ".join(names)


def load_into(load_state_dict, state: dict, source: Path) -> None:
    """Call load_state_dict(state); a misfit becomes one line listing every mismatch."""
    try:
        load_state_dict(state)
    except ValueError as exc:
        raise JobError(
            f"{source} does not fit the run that {SETTINGS_NAME} describes: {_one_line(exc)}"
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


def class_names(settings: dict[str, Any]) -> list[str]:
    info = dataset_info(settings["dataset"])
    names = info.class_names or range(settings["output_size"])
    return [str(name) for name in names]
