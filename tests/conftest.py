"""Shared test settings: a non-interactive plotting backend and Hypothesis's profile."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
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


@pytest.fixture
def japanese(monkeypatch):
    """The test runs in Japanese (as --lang ja sets it), whatever the environment says; English after."""
    from deepkiso import i18n

    for name in ("DEEPKISO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    i18n.set_language("ja")
    yield
    i18n.set_language(None)
