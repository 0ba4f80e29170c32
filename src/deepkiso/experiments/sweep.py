"""Sweeps of independent trials: what a trial is, its id, and running a sweep that can be resumed.

The batch-size experiment (group work バッチサイズの決め方) and the sampling experiment (exercise
2_1) are both grids of trials: one net trained once per setting and seed. A ``TrialSpec`` says
everything that decides a trial's numbers; its ``trial_id`` is derived from those settings alone,
so the same settings always get the same id. ``run_sweep`` runs the trials that have no result
yet in the output folder and writes one JSON file per finished trial, under a temporary name and
then renamed, so running the same command again after a crash or a Ctrl-C skips what is done. A
trial that fails is written as ``<id>.failed.json`` with its error, reported, and tried again on
the next run; it never stops the others.

Output folder layout::

    OUT/sweep.json                 the sweep's settings and the ids of its trials
    OUT/trials/<id>.json           one finished trial (see ``trial.run_trial`` for the fields)
    OUT/trials/<id>.failed.json    one failed trial: its spec, the error and the traceback
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepkiso.experiments.runners import SequentialRunner
from deepkiso.experiments.spec import TRIAL_FORMAT, TrialSpec, failure_record
from deepkiso.experiments.trial import run_trial_safely
from deepkiso.files import write_json

__all__ = ["TrialSpec", "SweepOutcome", "run_sweep", "write_json", "failure_record", "TRIAL_FORMAT"]


@dataclass
class SweepOutcome:
    """What ``run_sweep`` ended with.

    results: the finished trials' records, in the order of the specs (earlier runs' included).
    failures: the failed trials' records ({"trial_id", "spec", "error", "traceback"}).
    ran: ids of the trials run this time; skipped: ids of those already finished before.
    """

    results: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _read_finished(path: Path) -> dict[str, Any] | None:
    """A finished trial's record, or None when the file is missing or unreadable (run it again)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return (
        record if isinstance(record, dict) and record.get("status") in ("ok", "diverged") else None
    )


def run_sweep(
    specs: Iterable[TrialSpec],
    out_dir: str | os.PathLike,
    runner=None,
    *,
    data_dir: str | os.PathLike | None = None,
    settings: dict[str, Any] | None = None,
    trial_function: Callable[..., dict[str, Any]] | None = None,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
) -> SweepOutcome:
    """Run every trial of specs that has no finished result in out_dir; return all results.

    runner: from ``runners.make_runner`` (None: one after another in this process).
    data_dir: passed to each trial to find its data set (a worker's own path on a cluster).
    settings: JSON-serialisable description of the sweep, written to OUT/sweep.json.
    trial_function: f(spec, data_dir) -> record; it must return failures as records
        (``trial.run_trial_safely`` does), and be importable by name when trials run elsewhere.
    on_result: called as on_result(record, n_done, n_to_run) after each trial of this run.
    """
    runner = SequentialRunner() if runner is None else runner
    trial_function = run_trial_safely if trial_function is None else trial_function
    unique = list({spec.trial_id: spec for spec in specs}.values())
    out = Path(out_dir)
    trials_dir = out / "trials"
    trials_dir.mkdir(parents=True, exist_ok=True)
    write_json(
        out / "sweep.json",
        {"settings": settings or {}, "trial_ids": [s.trial_id for s in unique]},
        indent=1,
    )

    outcome = SweepOutcome()
    finished: dict[str, dict[str, Any]] = {}
    to_run = []
    for spec in unique:
        record = _read_finished(trials_dir / f"{spec.trial_id}.json")
        if record is None:
            to_run.append(spec)
        else:
            finished[spec.trial_id] = record
            outcome.skipped.append(spec.trial_id)

    for n_done, (index, record, error) in enumerate(
        runner.map(trial_function, [(spec, data_dir) for spec in to_run]), start=1
    ):
        spec = to_run[index]
        if error is not None:  # the runner itself failed (a worker died, the cluster went away)
            record = failure_record(spec, f"{type(error).__name__}: {error}")
        _store(trials_dir, spec.trial_id, record)
        outcome.ran.append(spec.trial_id)
        if record["status"] == "failed":
            outcome.failures.append(record)
        else:
            finished[spec.trial_id] = record
        if on_result is not None:
            on_result(record, n_done, len(to_run))
    outcome.results = [finished[s.trial_id] for s in unique if s.trial_id in finished]
    return outcome


def _store(trials_dir: Path, trial_id: str, record: dict[str, Any]) -> None:
    if record["status"] == "failed":
        write_json(trials_dir / f"{trial_id}.failed.json", record, indent=1)
    else:
        write_json(trials_dir / f"{trial_id}.json", record, indent=1)
        # The trial has now succeeded: an earlier failure of it is no longer news.
        (trials_dir / f"{trial_id}.failed.json").unlink(missing_ok=True)
