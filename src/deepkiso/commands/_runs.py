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

from deepkiso.commands._figures import write_figure
from deepkiso.data import dataset_info, load_dataset
from deepkiso.data.download import MIRROR_VARIABLE, MIRRORS, check_mirror_url
from deepkiso.errors import JobError, UsageError
from deepkiso.files import write_file_atomically
from deepkiso.nets import MultiLayerNet, TwoLayerNet
from deepkiso.training import CHECKPOINT_NAME, load_checkpoint

SETTINGS_NAME = "settings.json"
METRICS_CSV = "metrics.csv"
METRICS_JSONL = "metrics.jsonl"
CURVES_NAME = "curves.png"
CONFUSION_NAME = "confusion.png"
FIT_NAME = "fit.png"
MODELS = ("two-layer", "mlp")
METRIC_COLUMNS = ("epoch", "iteration", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")


# -- reading options --------------------------------------------------------------------------


def add_mirror_argument(parser) -> None:
    """--mirror URL, for every command that loads a data set (one declaration, one help text)."""
    parser.add_argument("--mirror", metavar="URL",
                        help=f"a mirror of one's own, tried before the recorded ones when mnist, fashion-mnist or "
                             f"kmnist must be downloaded: URL/<dataset>/<file>.gz, http(s):// or file:// "
                             f"(default: ${MIRROR_VARIABLE}, else none)")


def data_options(dataset: str, data_dir: str | None, mirror: str | None) -> dict[str, str]:
    """The load_dataset options for --data-dir and --mirror, checked at once.

    Both apply to the sets read from files (mnist, fashion-mnist, kmnist): --data-dir for another
    set is refused rather than ignored; --mirror's URL is checked in any case, so a typo shows at
    once, and passed on only where a download can happen.
    """
    reads_files = dataset in MIRRORS
    if data_dir is not None and not reads_files:
        raise UsageError(f"--data-dir applies to the data sets read from files ({', '.join(MIRRORS)}), "
                         f"not to {dataset}, which needs no files")
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
    jsonl = "".join(json.dumps({column: row.get(column) for column in METRIC_COLUMNS}) + "\n" for row in epochs)
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
    path = run_dir / SETTINGS_NAME
    try:
        settings = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read as JSON ({exc})") from None
    required = ("dataset", "task", "model", "hidden", "activation", "loss", "weight_init",
                "input_size", "output_size", "seed")
    missing = [key for key in required if key not in settings]
    if missing:
        raise UsageError(f"{path}: missing {', '.join(missing)}")
    return settings


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
    common = dict(activation=settings["activation"], loss=settings["loss"], rng=net_rng(settings["seed"]))
    if settings["model"] == "two-layer":
        return TwoLayerNet(settings["input_size"], settings["hidden"][0], settings["output_size"],
                           weight_init_std=settings["weight_init"], **common)
    return MultiLayerNet(settings["input_size"], settings["hidden"], settings["output_size"],
                         weight_init=settings["weight_init"], **common)


def _seeds(seed: int) -> list[np.random.SeedSequence]:
    # Independent streams for the weights and the sampler, both fixed by the one --seed.
    return np.random.SeedSequence(seed).spawn(2)


def net_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(_seeds(seed)[0])


def sampler_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(_seeds(seed)[1])


def restore_net(run_dir: Path, settings: dict[str, Any]) -> MultiLayerNet:
    """The run's net with the weights of its latest checkpoint."""
    net = build_net(settings)
    checkpoint = read_checkpoint(run_dir)
    if checkpoint is None:
        raise UsageError(f"{run_dir} holds no checkpoint yet ({CHECKPOINT_NAME}): "
                         f"the run stopped before its first one; resume it with deepkiso train --resume {run_dir}")
    load_into(net.load_state_dict, {k[4:]: v for k, v in checkpoint.state.items() if k.startswith("net/")},
              checkpoint.json_path)
    return net


def read_checkpoint(run_dir: Path):
    """The run's checkpoint, or None when none has been written; a damaged one is a UsageError."""
    try:
        return load_checkpoint(run_dir)
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None


def load_into(load_state_dict, state: dict, source: Path) -> None:
    """Call load_state_dict(state); a misfit becomes one line listing every mismatch."""
    try:
        load_state_dict(state)
    except ValueError as exc:
        raise UsageError(f"{source} does not fit the net that {SETTINGS_NAME} describes: {_one_line(exc)}") from None


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
