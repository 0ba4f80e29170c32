"""``deepkiso experiment batch-size|sampling``: reproducible sweeps with tables, pictures and a summary.

``batch-size`` answers the group work on choosing the batch size (バッチサイズの決め方): the same
net over a list of batch sizes and seeds, with the learning rate fixed or scaled, under equal
epochs or equal updates, and batch-size schedules. ``sampling`` answers exercise 2_1: the same
net with each way of drawing mini-batches, optionally on an imbalanced copy of the data set.
Trials run one after another, in ``--jobs`` processes, or on a Dask cluster (``--scheduler``);
finished trials are kept in ``--out`` and skipped when the command runs again.
Results (the table and the summary) go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

from deepkiso.commands import _runs
from deepkiso.commands._experiment_plans import (
    EPOCHS,
    MAX_LIST,
    batch_size_plan,
    sampling_plan,
    schedule_option,
)
from deepkiso.commands._options import (
    BATCH_SIZE,
    HIDDEN_SIZE,
    LEARNING_RATE,
    MAX_HIDDEN_LAYERS,
    SEED,
    Choice,
    Integer,
    Number,
    at_most,
    check_training_memory,
)
from deepkiso.commands._output import add_dpi_option
from deepkiso.data import DatasetNotFoundError, available_datasets, dataset_info
from deepkiso.data.datasets import locate_idx_files
from deepkiso.data.download import mirrors_for
from deepkiso.errors import JobError, UsageError
from deepkiso.experiments import (
    make_runner,
    run_sweep,
    write_report,
)
from deepkiso.experiments.batch_size import BUDGETS, LR_SCALINGS
from deepkiso.experiments.runners import DASK_INSTALL_HINT
from deepkiso.experiments.sampling import ORDERS, SAMPLERS, parse_sampler
from deepkiso.experiments.trial import shared_dataset
from deepkiso.i18n import N_, _, n_
from deepkiso.optimizers import OPTIMIZERS

NAME = "experiment"
HELP = N_("reproducible sweeps: batch size (バッチサイズの決め方) and sampling (exercise 2_1)")

DEFAULT_BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
DEFAULT_SAMPLERS = (
    "sequential",
    "shuffle",
    "shuffle-every-5",
    "shuffle-once",
    "replacement",
    "stratified",
    "rare-first",
    "balanced",
)
# A sweep is trials x epochs of training: these keep the largest one within hours, not days.
MAX_SEEDS = 100
MAX_TRIALS = 1000
# Each process holds its own copy of the data set and its trial's net.
JOBS = Integer(1, 16)
TARGET_ACCURACY = Number(0, 1)
WARMUP_EPOCHS = Number(0, EPOCHS.high)
KEEP = Number(0, 1, low_open=True)
CLASS = Integer(0, 999)


def _scheduler(text: str) -> str:
    """An argparse type: a Dask scheduler address, PROTOCOL://HOST:PORT over tcp, tls, ws or wss.

    Also inproc://HOST/PID/N when PID is this process: the address of a LocalCluster(processes=False)
    started by the same Python (a notebook or a test calling main); no other process can reach one.
    """
    inproc = re.fullmatch(r"inproc://[\w.:-]+/(\d+)/\d+", text)
    if inproc and int(inproc.group(1)) == os.getpid():
        return text
    match = re.fullmatch(r"(tcp|tls|ws|wss)://(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})", text)
    if not match or not 1 <= int(match.group(3)) <= 65535:
        raise argparse.ArgumentTypeError(
            _(
                "expected a Dask scheduler address such as tcp://10.0.0.5:8786 "
                "(tcp, tls, ws or wss; a port from 1 to 65535), got {text!r}"
            ).format(text=text)
        )
    return text


def _classification_sets() -> list[str]:
    return [name for name in available_datasets() if dataset_info(name).task == "classification"]


def _add_common(parser: argparse.ArgumentParser, experiment: str) -> None:
    parser.add_argument(
        "--dataset",
        default="digits",
        metavar="NAME",
        help=_("data set to train on, one of {names} (default: digits)").format(
            names=", ".join(_classification_sets())
        ),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=_(
            "folder holding the MNIST-format files (default: none: the cache and the system's "
            "data folders, downloading if needed)"
        ),
    )
    _runs.add_mirror_argument(parser)
    parser.add_argument(
        "--seeds",
        type=SEED,
        nargs="+",
        default=[3],
        metavar="N",
        help=_(
            "one number N from 1 to {limit}: seeds 0 … N-1; several numbers: those seeds, "
            "at most {limit}, each {range} (default: 3)"
        ).format(limit=MAX_SEEDS, range=SEED),
    )
    parser.add_argument(
        "--epochs",
        type=EPOCHS,
        default=20,
        metavar="E",
        help=_("epochs per trial, {range} (default: 20)").format(range=EPOCHS),
    )
    parser.add_argument(
        "--lr",
        type=LEARNING_RATE,
        default=0.1,
        help=_("learning rate, {range} (default: 0.1)").format(range=LEARNING_RATE),
    )
    parser.add_argument(
        "--hidden",
        type=HIDDEN_SIZE,
        nargs="+",
        default=[64],
        metavar="H",
        help=_("widths of the hidden layers, up to {layers}, each {range} (default: 64)").format(
            layers=MAX_HIDDEN_LAYERS, range=HIDDEN_SIZE
        ),
    )
    parser.add_argument(
        "--optimizer",
        default="sgd",
        choices=sorted(OPTIMIZERS),
        help=_("optimizer (default: sgd)"),
    )
    parser.add_argument(
        "--target-accuracy",
        type=TARGET_ACCURACY,
        default=0.9,
        metavar="ACC",
        help=_(
            "record the first epoch whose test accuracy reaches ACC, {range}; 0 turns it "
            "off (default: 0.9)"
        ).format(range=TARGET_ACCURACY),
    )
    parser.add_argument(
        "--jobs",
        type=JOBS,
        default=1,
        metavar="N",
        help=_(
            "run N trials at once in separate processes, {range} (default: 1: one after another)"
        ).format(range=JOBS),
    )
    parser.add_argument(
        "--scheduler",
        type=_scheduler,
        default=None,
        metavar="ADDRESS",
        help=_(
            "run the trials on the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786; "
            "needs {install} (default: none: run on this machine)"
        ).format(install=DASK_INSTALL_HINT),
    )
    add_dpi_option(parser, of=_("the pictures"))
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("experiments") / experiment,
        metavar="DIR",
        help=_(
            "folder for the results, tables and pictures; finished trials found there are "
            "skipped (default: experiments/{experiment})"
        ).format(experiment=experiment),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    experiments = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)

    batch = experiments.add_parser(
        "batch-size",
        help=_("test accuracy, generalization gap, time and memory against the batch size"),
        description=_(
            "Train the same net over a list of batch sizes and seeds; print a table and a "
            "summary, write results.csv, summary.csv, report.md and pictures into --out."
        ),
    )
    _add_common(batch, "batch-size")
    batch.add_argument(
        "--batch-sizes",
        type=BATCH_SIZE,
        nargs="+",
        default=list(DEFAULT_BATCH_SIZES),
        metavar="B",
        help=_("batch sizes to compare, up to {limit}, each {range} (default: {default})").format(
            limit=MAX_LIST, range=BATCH_SIZE, default=" ".join(map(str, DEFAULT_BATCH_SIZES))
        ),
    )
    batch.add_argument(
        "--budget",
        default="epochs",
        choices=BUDGETS,
        help=_(
            "equal epochs for every batch size, or equal updates (as many as the smallest batch "
            "size makes in --epochs epochs) (default: epochs)"
        ),
    )
    batch.add_argument(
        "--lr-scaling",
        nargs="+",
        default=["none"],
        choices=LR_SCALINGS,
        metavar="RULE",
        help=_(
            "learning rate at batch B: none (lr), linear (lr·B/base), sqrt (lr·√(B/base)); "
            "several rules are compared side by side (default: none)"
        ),
    )
    batch.add_argument(
        "--base-batch-size",
        type=BATCH_SIZE,
        default=32,
        metavar="B0",
        help=_("the batch size at which --lr applies unscaled, {range} (default: 32)").format(
            range=BATCH_SIZE
        ),
    )
    batch.add_argument(
        "--warmup-epochs",
        type=WARMUP_EPOCHS,
        default=0.0,
        metavar="E",
        help=_(
            "raise the learning rate linearly to its scaled value over E epochs, {range} "
            "(default: 0)"
        ).format(range=WARMUP_EPOCHS),
    )
    batch.add_argument(
        "--batch-schedule",
        default=None,
        metavar="B:E,…",
        help=_(
            "also train with a growing batch, e.g. 32:5,128:5,512:5 (batch 32 for 5 epochs, "
            "then 128, then 512): up to {limit} phases, batch sizes {batch_range}, epochs "
            "{epoch_range} in all (default: none)"
        ).format(limit=MAX_LIST, batch_range=BATCH_SIZE, epoch_range=EPOCHS),
    )
    batch.set_defaults(_experiment=_run_batch_size)

    sampling = experiments.add_parser(
        "sampling",
        help=_(
            "compare the ways of drawing mini-batches (exercise 2_1), optionally on imbalanced data"
        ),
        description=_(
            "Train the same net with each sampler and seed; print a table and a summary, write "
            "results.csv, summary.csv, report.md and pictures (per-class accuracy) into --out."
        ),
    )
    _add_common(sampling, "sampling")
    sampling.add_argument(
        "--samplers",
        nargs="+",
        default=list(DEFAULT_SAMPLERS),
        metavar="NAME",
        help=_("samplers to compare, from {names} (K a number) (default: {default})").format(
            names=", ".join(SAMPLERS), default=" ".join(DEFAULT_SAMPLERS)
        ),
    )
    sampling.add_argument(
        "--batch-size",
        type=BATCH_SIZE,
        default=32,
        metavar="B",
        help=_("batch size, {range} (default: 32)").format(range=BATCH_SIZE),
    )
    sampling.add_argument(
        "--order",
        type=Choice(N_("order"), ORDERS),
        default="by-label",
        metavar="stored|by-label",
        help=_(
            "by-label sorts the training set by label, as data stored class by class is, so that "
            "sequential gives one class per mini-batch; stored keeps its own (default: %(default)s)"
        ),
    )
    sampling.add_argument(
        "--imbalance",
        type=CLASS,
        nargs="+",
        default=[],
        metavar="CLASS",
        help=_(
            "make these classes rare in the training set, class numbers {range} and below the "
            "data set's number of classes (default: none: the data set as it is)"
        ).format(range=CLASS),
    )
    sampling.add_argument(
        "--keep",
        type=KEEP,
        default=0.1,
        metavar="FRACTION",
        help=_(
            "fraction of the --imbalance classes' training samples to keep, {range} (default: 0.1)"
        ).format(range=KEEP),
    )
    sampling.set_defaults(_experiment=_run_sampling)


def run(args: argparse.Namespace) -> int:
    return args._experiment(args)


# -- checking the options -----------------------------------------------------------------------


class _Classes(NamedTuple):
    """What the experiments need of their (classification) data set."""

    n_inputs: int
    n_classes: int
    class_names: tuple[str, ...]


def _check_common(args) -> tuple[list[int], _Classes]:
    """Check the shared options; return the seeds and what the data set's classes are."""
    if args.dataset not in _classification_sets():
        raise UsageError(
            _("--dataset {dataset!r}: choose one of {names}").format(
                dataset=args.dataset, names=", ".join(_classification_sets())
            )
        )
    at_most("--hidden", args.hidden, MAX_HIDDEN_LAYERS)
    at_most("--seeds", args.seeds, MAX_SEEDS)
    if args.scheduler and args.jobs > 1:
        raise UsageError(
            _(
                "give --jobs or --scheduler, not both (on a cluster, the scheduler spreads the trials)"
            )
        )
    if len(args.seeds) == 1:
        if not 1 <= args.seeds[0] <= MAX_SEEDS:
            raise UsageError(
                _("--seeds N must be a number of seeds from 1 to {limit}, got {value}").format(
                    limit=MAX_SEEDS, value=args.seeds[0]
                )
            )
        seeds = list(range(args.seeds[0]))
    else:
        if len(set(args.seeds)) != len(args.seeds):
            raise UsageError(
                _("--seeds: several seeds must be distinct, got {seeds}").format(seeds=args.seeds)
            )
        seeds = list(args.seeds)
    info = dataset_info(args.dataset)
    # A classification set (checked above) has classes and their names.
    assert info.n_classes is not None and info.class_names is not None
    return seeds, _Classes(int(np.prod(info.input_shape)), info.n_classes, info.class_names)


def _make_runner(args):
    try:
        return make_runner(jobs=args.jobs, scheduler=args.scheduler)
    except ImportError as exc:
        raise UsageError(str(exc)) from None


def _check_data(args) -> None:
    """Load the data set once before any trial, so a missing file is one message, not a failure per trial.

    Skipped on a cluster: there the workers read the data from their own disks (and take their
    mirror from their own DEEPKISO_MIRROR).
    """
    data_dir = None if args.data_dir is None else str(args.data_dir)
    options = _runs.data_options(args.dataset, data_dir, args.mirror)
    if args.scheduler:
        return
    try:
        if "mirror" in options:
            # fetched into the cache first: the trials then find it there, whichever process runs them
            locate_idx_files(
                args.dataset, data_dir, mirrors=mirrors_for(args.dataset, options["mirror"])
            )
        # The same cached copy the trials of a sequential run use: the data set is read once.
        shared_dataset(args.dataset, data_dir)
    except (DatasetNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None


# -- running ----------------------------------------------------------------------------------------


def _progress(record: dict, n_done: int, n_total: int) -> None:
    head = f"[{n_done:>{len(str(n_total))}}/{n_total}] {record['trial_id']}"
    if record["status"] == "failed":
        line = _("{head}: FAILED: {error}").format(head=head, error=record["error"])
    elif record["status"] == "diverged":
        line = _("{head}: diverged at epoch {epoch}").format(
            head=head, epoch=record["diverged_at"]["epoch"]
        )
    else:
        line = _("{head}: test accuracy {accuracy:.4f}, gap {gap:+.4f} ({seconds:.1f} s)").format(
            head=head,
            accuracy=record["final"]["test_accuracy"],
            gap=record["gap_accuracy"],
            seconds=record["measurements"]["seconds"],
        )
    print(line, file=sys.stderr)


def _sweep(args, specs, experiment: str, title: str, info) -> int:
    if len(specs) > MAX_TRIALS:
        raise UsageError(
            _(
                "the sweep has {n} trials; at most {limit} are run at once "
                "(give fewer --seeds or list entries)"
            ).format(n=len(specs), limit=MAX_TRIALS)
        )
    runner = _make_runner(args)
    _check_data(args)
    settings = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in vars(args).items()
        if not k.startswith("_")
    }
    print(
        _("deepkiso experiment {experiment}: {n} trials, {runner}; results in {out}").format(
            experiment=experiment, n=len(specs), runner=runner.description, out=args.out
        ),
        file=sys.stderr,
    )
    outcome = run_sweep(
        specs, args.out, runner, data_dir=args.data_dir, settings=settings, on_result=_progress
    )
    if outcome.skipped:
        print(
            n_(
                "{n} trial was already finished in {out} and was skipped",
                "{n} trials were already finished in {out} and were skipped",
                len(outcome.skipped),
            ).format(n=len(outcome.skipped), out=args.out),
            file=sys.stderr,
        )
    report = write_report(
        args.out,
        outcome.results,
        outcome.failures,
        class_names=info.class_names,
        title=title,
        dpi=args.dpi,
    )
    print(report.text, end="")
    print(
        _("wrote {path}").format(path=", ".join(str(path) for path in report.files)),
        file=sys.stderr,
    )
    if outcome.failures:
        first = outcome.failures[0]
        raise JobError(
            _(
                "{failed} of {n} trials failed (first: {trial}: {error}); details in {details}; "
                "run the same command again to retry them"
            ).format(
                failed=len(outcome.failures),
                n=len(specs),
                trial=first["trial_id"],
                error=first["error"],
                details=args.out / "trials",
            )
        )
    return 0


def _run_batch_size(args) -> int:
    seeds, info = _check_common(args)
    at_most("--batch-sizes", args.batch_sizes, MAX_LIST)
    schedule = schedule_option(args.batch_schedule) if args.batch_schedule else None
    largest = max([*args.batch_sizes, *(b for b, _epochs in schedule or ())])
    check_training_memory([info.n_inputs, *args.hidden, info.n_classes], largest)
    specs, title = batch_size_plan(args, seeds)
    return _sweep(args, specs, "batch-size", title, info)


def _run_sampling(args) -> int:
    seeds, info = _check_common(args)
    at_most("--samplers", args.samplers, MAX_LIST)
    check_training_memory([info.n_inputs, *args.hidden, info.n_classes], args.batch_size)
    for name in args.samplers:
        try:
            parse_sampler(name)
        except ValueError as exc:
            raise UsageError(_("--samplers: {cause}").format(cause=exc)) from None
    bad = [c for c in args.imbalance if not 0 <= c < info.n_classes]
    if bad:
        raise UsageError(
            _("--imbalance: {dataset} has classes 0 … {last}, got {bad}").format(
                dataset=args.dataset, last=info.n_classes - 1, bad=bad
            )
        )
    specs, title = sampling_plan(args, seeds, info.class_names)
    return _sweep(args, specs, "sampling", title, info)
