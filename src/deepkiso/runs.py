"""``load_run``: a run that ``deepkiso train`` wrote, back in Python — its net, optimizer and history.

    from deepkiso.runs import load_run
    run = load_run("runs/mnist-20261203-101500")
    run.net.predict(x)                      # the trained weights
    learning_curve_figure(run.history)      # deepkiso.plots: the curves the command drew

The run folder is read as ``deepkiso evaluate`` and ``train --resume`` read it: settings.json
checked field by field, the latest checkpoint verified against its hashes and the net it describes,
nothing unpickled. This module stands beside the commands (it reads their run folders), above the
library, so the core never depends on it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from deepkiso.commands import _runs
from deepkiso.commands._run_settings import RunSettings
from deepkiso.errors import UsageError
from deepkiso.i18n import _
from deepkiso.nets import MultiLayerNet
from deepkiso.optimizers import Optimizer
from deepkiso.training import CHECKPOINT_NAME, History, checkpoint_layout
from deepkiso.training.state_checks import section

__all__ = ["Run", "load_run"]


@dataclass(frozen=True)
class Run:
    """A trained run, as its latest checkpoint left it.

    run_dir: the folder. settings: what settings.json says (the command line it was trained with).
    net: the net with the checkpoint's weights; optimizer: with its buffers (Adam's moments, …);
    history: the loss of every iteration and the metrics of every epoch so far.
    epoch, iteration: epochs finished and updates made when the checkpoint was written.
    """

    run_dir: Path
    settings: RunSettings
    net: MultiLayerNet
    optimizer: Optimizer
    history: History
    epoch: int
    iteration: int


def load_run(run_dir: str | os.PathLike[str]) -> Run:
    """The run in run_dir, rebuilt from settings.json and its latest checkpoint.

    Raises deepkiso.errors.UsageError when run_dir is not a run folder or holds no checkpoint yet,
    and JobError when a file cannot be read or does not fit the run (each one line naming the file).
    """
    folder = _runs.existing_run_dir(os.fspath(run_dir))
    settings = _runs.read_settings(folder)
    net = _runs.build_net(settings)
    optimizer = _runs.build_optimizer(settings)
    checkpoint = _runs.read_checkpoint(folder, checkpoint_layout(net, optimizer))
    if checkpoint is None:
        raise UsageError(
            _(
                "{folder} holds no checkpoint yet ({name}): the run stopped before its first one"
            ).format(folder=folder, name=CHECKPOINT_NAME)
        )
    state = checkpoint.state
    _runs.load_into(net.load_state_dict, section(state, "net/"), checkpoint.json_path)
    _runs.load_into(optimizer.load_state_dict, section(state, "optimizer/"), checkpoint.json_path)
    history = History()
    _runs.load_into(history.load_state_dict, state, checkpoint.json_path)
    return Run(
        run_dir=folder,
        settings=settings,
        net=net,
        optimizer=optimizer,
        history=history,
        epoch=int(state["epoch"]),
        iteration=int(state["iteration"]),
    )
