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

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from deepkiso.experiments.runners import SequentialRunner
from deepkiso.files import write_file_atomically

__all__ = ["TrialSpec", "SweepOutcome", "run_sweep", "write_json", "failure_record", "TRIAL_FORMAT"]

# Part of every trial id: raise it when a change to the trial code changes what a trial measures,
# so results of the old code are not mistaken for results of the new.
TRIAL_FORMAT = 1


@dataclass(frozen=True)
class TrialSpec:
    """Everything that decides one trial's numbers (where the data lives does not).

    experiment: "batch-size" or "sampling".
    dataset: a name for ``deepkiso.data.load_dataset``, e.g. "digits", "fashion-mnist".
    seed: seeds the initial weights, the sampler and the imbalanced subset.
    phases: ((batch_size, n_epochs), ...): one phase for a fixed batch size, several for a
        batch-size schedule that grows the batch.
    budget: "epochs" (each phase trains its n_epochs) or "updates" (one phase only: as many
        updates as ``reference_batch_size`` makes in n_epochs epochs; the last epoch may be partial).
    reference_batch_size: the batch size that sets the updates budget (budget "updates" only).
    sampler: a sampler name as ``sampling.parse_sampler`` reads it, e.g. "shuffle",
        "shuffle-every-5", "replacement", "rare-first".
    hidden: the hidden layers' widths of the MultiLayerNet.
    optimizer, lr: as for ``deepkiso.optimizers.make_optimizer``; lr applies at base_batch_size.
    lr_scaling: "none", "linear" or "sqrt": the learning rate at batch size B is lr,
        lr·B/base_batch_size or lr·√(B/base_batch_size).
    warmup_epochs: the learning rate rises linearly over this many epochs (of the first phase)
        from min(lr, scaled lr) to the scaled lr (Goyal et al. 2017); 0 for none.
    target_accuracy: the test accuracy whose first reaching is recorded (None: not recorded).
    imbalance_classes, imbalance_keep: keep only this fraction of the training samples of these
        classes (the test set stays whole, so every class is still measured).
    """

    experiment: str
    dataset: str
    seed: int
    phases: tuple[tuple[int, int], ...]
    budget: str = "epochs"
    reference_batch_size: int | None = None
    sampler: str = "shuffle"
    hidden: tuple[int, ...] = (64,)
    optimizer: str = "sgd"
    lr: float = 0.1
    lr_scaling: str = "none"
    base_batch_size: int = 32
    warmup_epochs: float = 0.0
    target_accuracy: float | None = None
    imbalance_classes: tuple[int, ...] = ()
    imbalance_keep: float = 1.0

    def __post_init__(self):
        # JSON gives lists back; tuples keep the spec hashable and equal to the one written.
        object.__setattr__(self, "phases", tuple((int(b), int(e)) for b, e in self.phases))
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "imbalance_classes", tuple(int(c) for c in self.imbalance_classes))
        object.__setattr__(self, "lr", float(self.lr))
        object.__setattr__(self, "warmup_epochs", float(self.warmup_epochs))
        object.__setattr__(self, "imbalance_keep", float(self.imbalance_keep))

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrialSpec":
        """The inverse of ``to_dict``; unknown or missing fields raise a ValueError naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        required = {f.name for f in dataclasses.fields(cls)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        unknown, missing = sorted(set(data) - names), sorted(required - set(data))
        if unknown or missing:
            raise ValueError(f"TrialSpec: unknown fields {unknown}, missing fields {missing}")
        return cls(**data)

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        """The batch size of each phase."""
        return tuple(b for b, _ in self.phases)

    @property
    def is_schedule(self) -> bool:
        return len(self.phases) > 1

    @property
    def config_label(self) -> str:
        """What distinguishes this trial from the others of its sweep, seed left out, for tables.

        e.g. "B=128", "B=128 linear", "B 32→128→512", "shuffle-every-5".
        """
        if self.experiment == "sampling":
            return self.sampler
        if self.is_schedule:
            label = "B " + "→".join(str(b) for b in self.batch_sizes)
        else:
            label = f"B={self.phases[0][0]}"
        return label if self.lr_scaling == "none" else f"{label} {self.lr_scaling}"

    @property
    def trial_id(self) -> str:
        """A readable prefix, the seed and a hash of every field, e.g. "b00128-none-s0-3fa29c01d2"."""
        text = json.dumps({"format": TRIAL_FORMAT, **self.to_dict()}, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        if self.experiment == "sampling":
            prefix = self.sampler
        elif self.is_schedule:
            prefix = "sched-" + "-".join(f"{b}x{e}" for b, e in self.phases) + f"-{self.lr_scaling}"
        else:
            prefix = f"b{self.phases[0][0]:05d}-{self.lr_scaling}"
        return f"{prefix}-s{self.seed}-{digest}"


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


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write data as JSON to path: under a temporary name, then renamed, so no reader sees half of it."""
    write_file_atomically(path, json.dumps(data, indent=1).encode("utf-8"))


def failure_record(spec: TrialSpec, error: str, traceback_text: str = "") -> dict[str, Any]:
    """The record of a trial that failed: its id, spec, a one-line error and the traceback."""
    return {"trial_id": spec.trial_id, "status": "failed", "spec": spec.to_dict(),
            "error": error, "traceback": traceback_text}


def _read_finished(path: Path) -> dict[str, Any] | None:
    """A finished trial's record, or None when the file is missing or unreadable (run it again)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) and record.get("status") in ("ok", "diverged") else None


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
    # Imported here: trial.py builds on this module, so it cannot be imported at the top.
    from deepkiso.experiments.trial import run_trial_safely

    runner = SequentialRunner() if runner is None else runner
    trial_function = run_trial_safely if trial_function is None else trial_function
    unique = list({spec.trial_id: spec for spec in specs}.values())
    out = Path(out_dir)
    trials_dir = out / "trials"
    trials_dir.mkdir(parents=True, exist_ok=True)
    write_json(out / "sweep.json", {"settings": settings or {}, "trial_ids": [s.trial_id for s in unique]})

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
            runner.map(trial_function, [(spec, data_dir) for spec in to_run]), start=1):
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
        write_json(trials_dir / f"{trial_id}.failed.json", record)
    else:
        write_json(trials_dir / f"{trial_id}.json", record)
        # The trial has now succeeded: an earlier failure of it is no longer news.
        (trials_dir / f"{trial_id}.failed.json").unlink(missing_ok=True)

