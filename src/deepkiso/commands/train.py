"""``deepkiso train``: train a net on a data set, with a progress bar, curves and checkpoints.

Exercises 2_10, 2_11 and 2_18 from one command. With no options it trains a
two-layer net on the embedded ``digits`` set. The run directory gets the
settings, the metrics per epoch (CSV and JSON lines), the learning-curve
picture and a checkpoint after every epoch (and every ``--checkpoint-every``
iterations); ``--resume RUN_DIR`` continues a stopped run exactly, with the BLAS
thread count the run was started with (another count rounds differently), once its
checkpoint has passed every check (a run whose checkpoint cannot be read is refused,
never started over). Ctrl-C or SIGTERM stops the run after the current iteration
with a checkpoint there, exit code 130 or 143.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np

from deepkiso import __version__
from deepkiso.blas import (
    get_blas_threads,
    set_blas_threads,
    threads_by_shape,
    use_threads_by_shape,
)
from deepkiso.commands import _run_folder as run_folder
from deepkiso.commands import _runs
from deepkiso.commands._options import (
    BATCH_SIZE,
    EPOCHS,
    HIDDEN_SIZE,
    LEARNING_RATE,
    MAX_HIDDEN_LAYERS,
    SEED,
    TRAINING_MEMORY_GB,
    WEIGHT_STD,
    Choice,
    Integer,
    at_most,
    check_training_memory,
    record_given_options,
    weight_init,
)
from deepkiso.commands._output import RUN_PICTURE_DPI, write_figure
from deepkiso.commands._run_settings import MODELS, RunSettings, Task
from deepkiso.commands._train_report import Report as _Report
from deepkiso.commands._train_report import curves_figure, describe, final_line
from deepkiso.data import SAMPLERS, available_datasets, dataset_info, make_sampler
from deepkiso.errors import JobError, UsageError
from deepkiso.i18n import N_, _, n_
from deepkiso.layers import ACTIVATIONS
from deepkiso.nets import LOSSES
from deepkiso.optimizers import OPTIMIZERS
from deepkiso.training import (
    Trainer,
    TrainingDiverged,
    TrainingInterrupted,
)

NAME = "train"
HELP = N_("train a net on a data set (default: a two-layer net on the embedded digits)")

# The defaults of the options are in their declarations below; these are the ones that depend on the
# data set's task: the digits reach 0.95 test accuracy with the classification ones in a few
# seconds, and a regression net needs more, faster steps over its few samples to fit its curve.
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "classification": {"epochs": 30, "lr": None, "loss": "softmax"},
    "regression": {"epochs": 300, "lr": 0.01, "loss": "squared"},
}
CHECKPOINT_EVERY = Integer(0, 10_000_000)
# More BLAS threads than cores only slow the products down; 64 covers a large workstation.
THREADS = Integer(1, 64)
SHUFFLE_EVERY = Integer(1, EPOCHS.high)
# Options that may change when a run is resumed; every other one is fixed by its settings.json.
RESUMABLE = ("epochs", "checkpoint_every", "data_dir", "mirror", "threads")


def add_arguments(parser) -> None:
    # Every option's default is in its declaration, so --resume cannot tell a typed value from its
    # default by looking at it: it asks args.options_given, the options as they were typed.
    record_given_options(parser)
    data = parser.add_argument_group(_("data"))
    data.add_argument(
        "--dataset",
        metavar="NAME",
        type=Choice(N_("data set"), available_datasets()),
        default="digits",
        help=_("one of {names} (default: %(default)s, embedded, no network)").format(
            names=", ".join(available_datasets())
        ),
    )
    data.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("folder with the MNIST-format files (default: the cache, then system folders)"),
    )
    _runs.add_mirror_argument(data)
    model = parser.add_argument_group(_("net"))
    model.add_argument(
        "--model",
        metavar="MODEL",
        type=Choice(N_("model"), MODELS),
        default="two-layer",
        help=_("two-layer or mlp (default: %(default)s)"),
    )
    hidden = [100]
    model.add_argument(
        "--hidden",
        metavar="N",
        nargs="+",
        type=HIDDEN_SIZE,
        default=hidden,
        help=_(
            "hidden layer sizes, each {range}; one for two-layer, up to {layers} for mlp; "
            "the net and one batch must fit in {memory} GB (default: {default})"
        ).format(
            range=HIDDEN_SIZE,
            layers=MAX_HIDDEN_LAYERS,
            memory=TRAINING_MEMORY_GB,
            default=" ".join(map(str, hidden)),
        ),
    )
    model.add_argument(
        "--activation",
        metavar="NAME",
        type=Choice(N_("activation"), ACTIVATIONS),
        default="relu",
        help=_("{names} (default: %(default)s)").format(names=", ".join(ACTIVATIONS)),
    )
    model.add_argument(
        "--weight-init",
        metavar="INIT",
        type=weight_init,
        default="he",
        help=_(
            "he, xavier or a standard deviation {range} such as 0.01 (default: %(default)s)"
        ).format(range=WEIGHT_STD),
    )
    model.add_argument(
        "--loss",
        metavar="NAME",
        type=Choice(N_("loss"), LOSSES),
        help=_("{names} (default: softmax for classification, squared for regression)").format(
            names=", ".join(LOSSES)
        ),
    )
    learning = parser.add_argument_group(_("learning"))
    learning.add_argument(
        "--optimizer",
        metavar="NAME",
        type=Choice(N_("optimizer"), OPTIMIZERS),
        default="adam",
        help=_("{names} (default: %(default)s)").format(names=", ".join(OPTIMIZERS)),
    )
    learning.add_argument(
        "--lr",
        metavar="RATE",
        type=LEARNING_RATE,
        help=_(
            "learning rate, {range} (default: the optimizer's own, e.g. 0.001 for adam "
            "and 0.01 for sgd, for classification; 0.01 for regression)"
        ).format(range=LEARNING_RATE),
    )
    learning.add_argument(
        "--batch-size",
        metavar="N",
        type=BATCH_SIZE,
        default=32,
        help=_("samples per mini-batch, {range} (default: %(default)s)").format(range=BATCH_SIZE),
    )
    learning.add_argument(
        "--epochs",
        metavar="N",
        type=EPOCHS,
        help=_(
            "epochs to train in all, {range} (default: 30 for classification, 300 for "
            "regression); with --resume, a larger number trains a finished run further"
        ).format(range=EPOCHS),
    )
    learning.add_argument(
        "--sampler",
        metavar="NAME",
        type=Choice(N_("sampler"), SAMPLERS),
        default="shuffle",
        help=_("{names} (default: %(default)s)").format(names=", ".join(SAMPLERS)),
    )
    learning.add_argument(
        "--shuffle-every",
        metavar="WHEN",
        type=_shuffle_every,
        default="epoch",
        help=_(
            "for --sampler shuffle: epoch, once, never or a number k of epochs, {range} "
            "(default: %(default)s)"
        ).format(range=SHUFFLE_EVERY),
    )
    learning.add_argument(
        "--seed",
        metavar="N",
        type=SEED,
        default=0,
        help=_(
            "seed of the initial weights and the sampler, {range} (default: %(default)s)"
        ).format(range=SEED),
    )
    run = parser.add_argument_group(_("run directory"))
    run.add_argument(
        "--out",
        metavar="RUN_DIR",
        help=_("where the run goes (default: runs/<dataset>-<date>-<time>)"),
    )
    run.add_argument(
        "--force",
        action="store_true",
        help=_("replace the files of an existing run in --out (default: refuse)"),
    )
    run.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help=_("continue the run in RUN_DIR from its latest checkpoint"),
    )
    run.add_argument(
        "--checkpoint-every",
        metavar="N",
        type=CHECKPOINT_EVERY,
        default=1000,
        help=_(
            "also write a checkpoint every N iterations, {range}, 0 for epoch ends only "
            "(default: %(default)s)"
        ).format(range=CHECKPOINT_EVERY),
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help=_("no progress bar or log lines on stderr (default: show them)"),
    )
    run.add_argument(
        "--threads",
        metavar="N",
        type=THREADS,
        help=_(
            "BLAS threads for every matrix product, {range} (default: each product takes one "
            "thread or all of the BLAS's, usually one per core, by its shape; a resumed run "
            "uses the setting it was started with)"
        ).format(range=THREADS),
    )


def run(args) -> int:
    threads = args.threads
    if args.resume is not None:
        run_dir, settings = _resumed_settings(args)
        (x_train, t_train), (x_test, t_test) = _runs.load_data(settings, args.mirror)
        settings = _with_sizes(settings, x_train, t_train)
    else:
        settings = _new_settings(args)
        run_folder.refuse_to_overwrite(args.out, args.force)
        (x_train, t_train), (x_test, t_test) = _runs.load_data(settings, args.mirror)
        settings = _with_sizes(settings, x_train, t_train)
        check_training_memory(settings.layer_sizes, settings.batch_size)
        run_dir = run_folder.new_run_dir(args.out, settings.dataset, args.force)
    net = _runs.build_net(settings)
    optimizer = _runs.build_optimizer(settings)
    settings = dataclasses.replace(settings, lr=optimizer.lr)
    sampler = _make_sampler(settings, t_train)
    report = _Report(run_dir, args.quiet)
    trainer = Trainer(
        net,
        optimizer,
        sampler,
        settings.epochs,
        checkpoint_dir=run_dir,
        checkpoint_every=settings.checkpoint_every or None,
        settings=settings.to_dict(),
        callbacks=[report],
    )
    if args.resume is not None:
        _restore(trainer, run_dir)
    if trainer.epoch >= trainer.n_epochs:
        _runs.write_settings(run_dir, settings)
        print(
            _(
                "nothing to train: {path} has done all {epochs} epochs (pass a larger --epochs)"
            ).format(path=run_dir, epochs=trainer.epoch)
        )
        return 0
    threads_before = get_blas_threads()
    try:
        settings = _set_threads(threads, settings if args.resume else None, settings)
        trainer.settings = settings.to_dict()  # what every checkpoint of the run stores
        _runs.write_settings(run_dir, settings)
        if not args.quiet:
            print(
                describe(settings, net, len(x_train), len(x_test), run_dir, trainer),
                file=sys.stderr,
            )
        # A diverging run overflows on its way to NaN; the check below reports it in one line.
        with np.errstate(over="ignore", invalid="ignore"), _stopping_on_signals(trainer):
            try:
                trainer.train(x_train, t_train, x_test, t_test, verbose=False)
            finally:
                report.close()  # else a stopped epoch's bar stays on the screen above the message
    except TrainingDiverged as exc:
        raise JobError(str(exc)) from None
    except TrainingInterrupted as exc:
        print(
            _("deepkiso train: {cause}; continue with: deepkiso train --resume {path}").format(
                cause=exc, path=shlex.quote(str(run_dir))
            ),
            file=sys.stderr,
        )
        return (
            128 + signal.Signals[exc.reason].value
        )  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them
    except (
        KeyboardInterrupt
    ):  # a second Ctrl-C: stopped at once, with the last checkpoint written on schedule
        print(
            _("stopped; continue with: deepkiso train --resume {path}").format(
                path=shlex.quote(str(run_dir))
            ),
            file=sys.stderr,
        )
        raise
    finally:
        # for a caller that goes on in this process: its fixed count back, the shape rule off
        if threads_before is not None and (
            threads_by_shape() is not None or get_blas_threads() != threads_before
        ):
            set_blas_threads(threads_before)
    curves = write_figure(
        curves_figure(settings, trainer, x_train, t_train),
        run_dir / _runs.CURVES_NAME,
        RUN_PICTURE_DPI,
    )
    print(final_line(trainer, run_dir, curves))
    return 0


# -- settings -------------------------------------------------------------------------------------


def _new_settings(args) -> RunSettings:
    """The settings of a new run, from the command line (its sizes are filled in from the data)."""
    name = args.dataset
    task = cast(Task, dataset_info(name).task)
    task_defaults = TASK_DEFAULTS[task]
    hidden = at_most("--hidden", args.hidden, MAX_HIDDEN_LAYERS)
    if args.model == "two-layer" and len(hidden) != 1:
        raise UsageError(
            _(
                "--model two-layer takes one --hidden size, got {count}; use --model mlp for more"
            ).format(count=len(hidden))
        )
    loss = args.loss or task_defaults["loss"]
    if task == "regression" and loss == "softmax":
        raise UsageError(
            _("{dataset} is a regression data set; its loss is squared, not softmax").format(
                dataset=name
            )
        )
    sampler = args.sampler
    if SAMPLERS[sampler].needs_labels and task == "regression":
        raise UsageError(
            _(
                "--sampler {sampler} needs class labels, and {dataset} is a regression data set"
            ).format(sampler=sampler, dataset=name)
        )
    if "shuffle_every" in args.options_given and sampler != "shuffle":
        raise UsageError(
            _("--shuffle-every applies to --sampler shuffle only, not {sampler}").format(
                sampler=sampler
            )
        )
    return RunSettings(
        dataset=name,
        task=task,
        data_dir=args.data_dir,
        model=args.model,
        hidden=tuple(hidden),
        activation=args.activation,
        weight_init=args.weight_init,
        loss=loss,
        optimizer=args.optimizer,
        lr=args.lr if args.lr is not None else task_defaults["lr"],
        batch_size=args.batch_size,
        epochs=args.epochs or task_defaults["epochs"],
        sampler=sampler,
        shuffle_every=args.shuffle_every if sampler == "shuffle" else None,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        deepkiso_version=__version__,
        started=datetime.now().isoformat(timespec="seconds"),
    )


def _resumed_settings(args) -> tuple[Path, RunSettings]:
    """The run folder --resume names and its settings, with the options that may change applied."""
    fixed = [
        f"--{name.replace('_', '-')}"
        for name in args.options_given
        if name not in (*RESUMABLE, "resume", "quiet")
    ]
    if fixed:
        raise UsageError(
            _(
                "--resume continues a run with the settings in its {name}; only --epochs, "
                "--checkpoint-every, --data-dir, --mirror, --threads and --quiet may be given "
                "with it, got {options}"
            ).format(name=_runs.SETTINGS_NAME, options=", ".join(fixed))
        )
    run_dir = _runs.existing_run_dir(args.resume)
    settings = _runs.read_settings(run_dir)
    changed = {
        name: getattr(args, name)
        for name in ("epochs", "checkpoint_every", "data_dir")
        if name in args.options_given
    }
    return run_dir, dataclasses.replace(settings, **changed)


def _restore(trainer: Trainer, run_dir: Path) -> None:
    """Load the run's checkpoint into trainer, or leave it fresh where the run never wrote one.

    Every problem is a JobError naming the file, raised before anything in run_dir changes.
    """
    checkpoint = _runs.read_checkpoint(run_dir, trainer.checkpoint_layout())
    if checkpoint is None:
        return
    # The optimizer is rebuilt from settings.json; the checkpoint must agree with it.
    optimizer = trainer.optimizer
    for key, want in {"lr": optimizer.lr, **optimizer.hyper}.items():
        got = checkpoint.state.get(f"optimizer/{key}")
        if got != want:
            raise JobError(
                _(
                    "{path}: optimizer/{key} is {got!r}, but the optimizer that {name} describes "
                    "has {want!r}; nothing was changed"
                ).format(
                    path=checkpoint.json_path,
                    key=key,
                    got=got,
                    name=_runs.SETTINGS_NAME,
                    want=want,
                )
            )
    _runs.load_into(trainer.load_state_dict, checkpoint.state, checkpoint.json_path)
    trainer.last_checkpoint = checkpoint.json_path


@contextmanager
def _stopping_on_signals(trainer: Trainer):
    """While training: SIGINT (Ctrl-C) and SIGTERM ask the trainer to stop after the current iteration
    with a checkpoint (TrainingInterrupted); a second one stops at once (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():  # handlers can only be set there
        yield
        return

    def stop(signum, frame):
        if trainer.stop_reason is not None:
            raise KeyboardInterrupt
        trainer.request_stop(signal.Signals(signum).name)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _set_threads(
    threads: int | None, recorded: RunSettings | None, settings: RunSettings
) -> RunSettings:
    """Set the BLAS threads: a fixed count (--threads), else what the resumed run was started with
    (recorded), else the shape rule (blas.use_threads_by_shape). Returns settings with the
    setting the run trains with; where this BLAS cannot be read, a resume keeps the recorded one.
    """
    if threads is not None:
        wanted: tuple[int | None, bool] = (threads, False)
    elif recorded is not None:
        wanted = (recorded.blas_threads, recorded.blas_threads_by_shape)
    else:
        wanted = (None, True)  # a new run: the rule, up to the BLAS's own count
    count, by_shape = wanted
    if by_shape:
        steered = use_threads_by_shape(count)
    else:
        steered = count is None or count == get_blas_threads() or set_blas_threads(count)
    if not steered:
        print(
            _(
                "deepkiso train: warning: this NumPy's BLAS thread count cannot be set here "
                "(no OpenBLAS, MKL or BLIS found); it keeps its own"
            ),
            file=sys.stderr,
        )
    if recorded is not None and recorded.blas_threads is not None:
        before = (recorded.blas_threads, recorded.blas_threads_by_shape)
        if wanted != before:
            print(
                _(
                    "deepkiso train: warning: the run has trained with {recorded}; with "
                    "{wanted} its weights will differ in the last bits from those of an "
                    "uninterrupted run"
                ).format(
                    recorded=_describe_threads(*before),
                    wanted=_describe_threads(*wanted),
                ),
                file=sys.stderr,
            )
    now = get_blas_threads()
    if now is None:  # not readable: a resume keeps what it recorded
        return dataclasses.replace(
            settings,
            blas_threads=recorded.blas_threads if recorded else None,
            blas_threads_by_shape=recorded.blas_threads_by_shape if recorded else False,
        )
    rule = threads_by_shape()
    return dataclasses.replace(
        settings,
        blas_threads=rule if rule is not None else now,
        blas_threads_by_shape=rule is not None,
    )


def _describe_threads(count: int | None, by_shape: bool) -> str:
    """ "2 BLAS threads", or "up to 2 BLAS threads by the products' shapes"."""
    if by_shape:
        return _("up to {n} BLAS threads by the products' shapes").format(n=count)
    n = count or 0
    return n_("{n} BLAS thread", "{n} BLAS threads", n).format(n=count)


def _shuffle_every(text: str) -> str | int:
    """An argparse type: epoch, once, never or a number of epochs in SHUFFLE_EVERY."""
    if text in ("epoch", "once", "never"):
        return text
    try:
        return SHUFFLE_EVERY(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            _("expected epoch, once, never or a number of epochs {range}, got {text!r}").format(
                range=SHUFFLE_EVERY, text=text
            )
        ) from None


def _with_sizes(settings: RunSettings, x_train: np.ndarray, t_train: np.ndarray) -> RunSettings:
    """settings with the net's input and output sizes from the data (kept for evaluate and predict)."""
    if settings.task == "classification":
        n_classes = dataset_info(settings.dataset).n_classes
        if n_classes is None:
            raise UsageError(
                _("--task classification: {dataset} is a regression data set").format(
                    dataset=settings.dataset
                )
            )
        output_size = n_classes
    else:
        output_size = int(t_train.shape[1])  # regression targets are (N, K)
    return dataclasses.replace(
        settings, input_size=int(np.prod(x_train.shape[1:])), output_size=output_size
    )


def _make_sampler(settings: RunSettings, t_train: np.ndarray):
    options: dict[str, Any] = (
        {"shuffle_every": settings.shuffle_every} if settings.sampler == "shuffle" else {}
    )
    labels = t_train if settings.task == "classification" else None
    _net_rng, sampler_rng = _runs.run_rngs(settings.seed)
    try:
        return make_sampler(
            settings.sampler,
            n_samples=len(t_train),
            labels=labels,
            batch_size=settings.batch_size,
            rng=sampler_rng,
            **options,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
