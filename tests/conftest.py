"""Shared test settings: a non-interactive plotting backend and Hypothesis's profile."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import HealthCheck, settings

# Array-heavy properties take milliseconds each, and the 2-core CI machine is
# shared: no per-example deadline, and a modest number of examples.
settings.register_profile(
    "deepkiso",
    deadline=None,
    max_examples=40,
    # CI replays the same examples every run (no flaky verdicts); a developer's run explores new ones.
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deepkiso")
