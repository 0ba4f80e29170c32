"""The folder of a `deepkiso train` run: made new, refused when it holds a run, cleaned with --force.

--force removes only the files a run writes (FILES_OF_A_RUN and the leftovers of a killed atomic
write), never anything else a user keeps in the folder.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from deepkiso.commands import _runs
from deepkiso.errors import UsageError
from deepkiso.i18n import _
from deepkiso.training import CHECKPOINT_NAME

FILES_OF_A_RUN = (
    _runs.SETTINGS_NAME,
    _runs.METRICS_CSV,
    _runs.METRICS_JSONL,
    _runs.CURVES_NAME,
    _runs.CONFUSION_NAME,
    _runs.FIT_NAME,
    CHECKPOINT_NAME,
)


def refuse_to_overwrite(out: str | None, force: bool) -> None:
    """Refuse --out before any work is done when it would overwrite a run."""
    if out is None:
        return
    run_dir = Path(out)
    if run_dir.exists() and not run_dir.is_dir():
        raise UsageError(_("--out {path} is a file, not a directory").format(path=run_dir))
    if run_dir.is_dir() and any(run_dir.iterdir()) and not force:
        raise UsageError(
            _(
                "{path} already exists; continue it with --resume {path}, "
                "or pass --force to start it over"
            ).format(path=run_dir)
        )


def new_run_dir(out: str | None, dataset: str, force: bool) -> Path:
    """The folder a new run writes into: --out (emptied of an earlier run's files with --force), or
    a new runs/DATASET-YYYYmmdd-HHMMSS[-n]."""
    if out is None:
        base = Path("runs") / f"{dataset}-{datetime.now():%Y%m%d-%H%M%S}"
        run_dir, n = base, 1
        while run_dir.exists():
            n += 1
            run_dir = base.with_name(f"{base.name}-{n}")
    else:
        run_dir = Path(out)
        if run_dir.is_dir() and force:
            remove_run_files(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


def remove_run_files(run_dir: Path) -> None:
    """Delete what a run writes (and nothing else a user may keep in the folder)."""
    for name in FILES_OF_A_RUN:
        (run_dir / name).unlink(missing_ok=True)
    # write_atomically's leftovers of a killed run are named .STEM.<pid>-<hex>.part.SUFFIX
    for pattern in ("checkpoint-*.npz", ".*.part.*"):
        for path in run_dir.glob(pattern):
            path.unlink()
