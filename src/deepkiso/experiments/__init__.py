"""Experiments the course asks for, as reproducible sweeps: batch size and sampling strategy.

The group work on choosing the batch size (バッチサイズの決め方) asks whether the batch size changes
the generalization error, how small or large it may be, and whether changing it during training
helps; exercise 2_1 compares sampling with replacement (復元抽出) and without (非復元抽出), and the
slides suggest shuffle timing, rare labels first and stratified batches. Each question becomes a
grid of trials (``batch_size_trials``, ``sampling_trials``), run by ``run_sweep`` one after
another, in parallel processes or on a Dask cluster (``make_runner``), resumable, with the same
numbers for the same seeds wherever they ran; ``write_report`` turns the results into tables,
pictures and a summary in words.

    from deepkiso.experiments import batch_size_trials, make_runner, run_sweep, write_report
    specs = batch_size_trials(dataset="digits", batch_sizes=[8, 64, 512], seeds=[0, 1], epochs=5)
    outcome = run_sweep(specs, "out/batch-size", make_runner(jobs=2))
    print(write_report("out/batch-size", outcome.results, outcome.failures).text)
"""

from deepkiso.experiments.batch_size import batch_size_trials, parse_schedule
from deepkiso.experiments.report import Group, Report, group_results, write_report
from deepkiso.experiments.runners import DaskRunner, ProcessRunner, SequentialRunner, make_runner
from deepkiso.experiments.sampling import imbalanced_indices, parse_sampler, sampling_trials
from deepkiso.experiments.sweep import SweepOutcome, TrialSpec, run_sweep
from deepkiso.experiments.trial import run_trial, run_trial_safely

__all__ = [
    "DaskRunner",
    "Group",
    "ProcessRunner",
    "Report",
    "SequentialRunner",
    "SweepOutcome",
    "TrialSpec",
    "batch_size_trials",
    "group_results",
    "imbalanced_indices",
    "make_runner",
    "parse_sampler",
    "parse_schedule",
    "run_sweep",
    "run_trial",
    "run_trial_safely",
    "sampling_trials",
    "write_report",
]
