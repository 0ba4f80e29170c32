"""The time limit of a step of `deepkiso check`: an interval timer that raises inside whatever code runs."""

from __future__ import annotations

import signal
from contextlib import contextmanager

__all__ = ["StepTimeout", "time_limit"]


class StepTimeout(BaseException):
    """Raised inside the learner's code when a step runs past its time limit.

    A BaseException, so a learner's ``except Exception:`` does not swallow it.
    """

    def __init__(self, seconds: float):
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


@contextmanager
def time_limit(seconds: float):
    """Raise StepTimeout in whatever code runs when seconds have passed (main thread only)."""

    def expire(signum, frame):
        raise StepTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
