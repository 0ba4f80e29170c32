"""What a trial is: its ``TrialSpec`` (everything that decides its numbers) and its failure record.

A leaf of the experiments package: the sweep, the trial runner and the two experiments' trial
grids (``batch_size``, ``sampling``) all stand on it, so their imports point one way
(spec ← batch_size, sampling ← trial ← sweep).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from deepkiso.i18n import _

__all__ = [
    "TrialSpec",
    "failure_record",
    "TRIAL_FORMAT",
    "Experiment",
    "Budget",
    "LrScaling",
    "Order",
    "ORDERS",
]

# Part of every trial id: raise it when a change to the trial code changes what a trial measures,
# or when a trial record's JSON changes shape (a field added, removed or given another meaning),
# so results of the old code are not mistaken for results of the new. There is no upgrade of an
# older record: its trial id no longer matches any spec, so run_sweep simply runs that trial again
# and the old file is left beside the new one.
TRIAL_FORMAT = 1


Experiment = Literal["batch-size", "sampling"]
Budget = Literal["epochs", "updates"]
LrScaling = Literal["none", "linear", "sqrt"]
Order = Literal["stored", "by-label"]
ORDERS: tuple[Order, ...] = ("stored", "by-label")


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
    order: the order of the training set that the samplers see: "stored" (as the data set stores
        it) or "by-label" (sorted by label, all 0s, then all 1s, …, as data stored by class is;
        the order within a class kept). It matters to the samplers that keep the data's order
        (sequential, shuffle-never); the others draw orders of their own. A spec of order
        "stored" has the trial id it had before the field existed.
    """

    experiment: Experiment
    dataset: str
    seed: int
    phases: tuple[tuple[int, int], ...]
    budget: Budget = "epochs"
    reference_batch_size: int | None = None
    sampler: str = "shuffle"
    hidden: tuple[int, ...] = (64,)
    optimizer: str = "sgd"
    lr: float = 0.1
    lr_scaling: LrScaling = "none"
    base_batch_size: int = 32
    warmup_epochs: float = 0.0
    target_accuracy: float | None = None
    imbalance_classes: tuple[int, ...] = ()
    imbalance_keep: float = 1.0
    order: Order = "stored"

    def __post_init__(self):
        # JSON gives lists back; tuples keep the spec hashable and equal to the one written.
        object.__setattr__(self, "phases", tuple((int(b), int(e)) for b, e in self.phases))
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "imbalance_classes", tuple(int(c) for c in self.imbalance_classes))
        object.__setattr__(self, "lr", float(self.lr))
        object.__setattr__(self, "warmup_epochs", float(self.warmup_epochs))
        object.__setattr__(self, "imbalance_keep", float(self.imbalance_keep))
        if self.order not in ORDERS:
            raise ValueError(
                _("TrialSpec: order must be one of {orders}, got {order!r}").format(
                    orders=", ".join(ORDERS), order=self.order
                )
            )

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialSpec:
        """The inverse of ``to_dict``; unknown or missing fields raise a ValueError naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        required = {
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        unknown, missing = sorted(set(data) - names), sorted(required - set(data))
        if unknown or missing:
            raise ValueError(
                _("TrialSpec: unknown fields {unknown}, missing fields {missing}").format(
                    unknown=unknown, missing=missing
                )
            )
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

        e.g. "B=128", "B=128 linear", "B 32→128→512", "shuffle-every-5" (the order of the data,
        the same for a whole sweep, is said in its title, not in each label).
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
        """A readable prefix, the seed and a hash of every field, e.g. "b00128-none-s0-3fa29c01d2".

        The order "stored" is left out of the hash, so the trials of the data sets' own order
        keep the ids (and the finished results) they had before ``order`` was a field.
        """
        fields = self.to_dict()
        if fields["order"] == "stored":
            del fields["order"]
        text = json.dumps({"format": TRIAL_FORMAT, **fields}, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        if self.experiment == "sampling":
            prefix = self.sampler if self.order == "stored" else f"{self.sampler}-{self.order}"
        elif self.is_schedule:
            prefix = "sched-" + "-".join(f"{b}x{e}" for b, e in self.phases) + f"-{self.lr_scaling}"
        else:
            prefix = f"b{self.phases[0][0]:05d}-{self.lr_scaling}"
        return f"{prefix}-s{self.seed}-{digest}"


def failure_record(spec: TrialSpec, error: str, traceback_text: str = "") -> dict[str, Any]:
    """The record of a trial that failed: its id, spec, a one-line error and the traceback."""
    return {
        "trial_id": spec.trial_id,
        "status": "failed",
        "spec": spec.to_dict(),
        "error": error,
        "traceback": traceback_text,
    }
