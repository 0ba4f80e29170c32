"""How many threads NumPy's BLAS uses for its matrix products, read and set at run time.

OpenBLAS splits a large matrix product differently for different thread counts, and float32
sums in a different order round differently: the same training with one BLAS thread and with two
ends with weights that differ in their last bits. So a run that must repeat exactly — a resumed
``deepkiso train`` (exercise 2_18), a trial of the batch-size and sampling experiments (group
work バッチサイズの決め方, exercise 2_1) — runs with a known thread count:

* ``get_blas_threads()`` and ``set_blas_threads(n)`` read and set the count for the whole process
  (``deepkiso train --threads`` records it in the run's settings, and a resumed run sets it back);
* ``single_blas_thread()`` holds the count at one while its body runs, for experiment trials,
  whose parallelism comes from running several trials at once;
* ``use_threads_by_shape()`` lets each of the fast kernels' products pick its own count by its
  shape (``fit_threads``, the rule of ``product_threads``), what ``deepkiso train`` does when
  given no ``--threads``: the choice depends on the shapes only, so a run repeats exactly too.

NumPy offers no call to set its BLAS thread count, so this module finds the BLAS library that the
process has loaded (through ``/proc/self/maps`` on Linux) and calls its own setter with ``ctypes``.
Where that is impossible (another operating system, an unknown BLAS), the functions say so by
returning None or False, and the BLAS keeps its own setting.
"""

from __future__ import annotations

import ctypes
import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from deepkiso.i18n import _

__all__ = [
    "get_blas_threads",
    "set_blas_threads",
    "single_blas_thread",
    "use_threads_by_shape",
    "threads_by_shape",
    "product_threads",
    "fit_threads",
]

# Substrings of the shared-library names that carry a BLAS we can steer.
_LIBRARY_MARKERS = ("openblas", "mkl_rt", "blis")
# (setter, getter) symbol pairs, tried in order: NumPy's own wheels ship OpenBLAS with a prefix
# and 64-bit integers; distributions ship the plain names.
_SYMBOLS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
    ("MKL_Set_Num_Threads", "MKL_Get_Max_Threads"),
    ("bli_thread_set_num_threads", "bli_thread_get_num_threads"),
)

_lock = threading.Lock()
_depth = 0
_saved: list[int] = []

# The shape rule, measured on a 2-core machine (benchmarks/bench_blas_threads.py for each product,
# benchmarks/bench_training_vs_torch.py for whole epochs): a product gets more than one thread
# where it does at least _MIN_WORK multiply-adds (8.4 M), one otherwise. Timed alone, smaller
# products gain from a second thread too (the first layer's weight gradient at batch 32, 1.25 M
# multiply-adds, 1.4x), but in a training loop the gain is lost: between products OpenBLAS's idle
# worker spins on the core the main thread needs for everything else a step does. Whole epochs of
# 784-H-10 at hidden 50 and 100 with batch 32 and 100 (products of 0.3-7.8 M) trained 1.03-1.5x
# faster with one thread for every product than with two; at hidden 1000 or batch 1000 (first-layer
# products of 25-780 M) two threads trained 1.15-1.7x faster than one. The rule, which also keeps
# the second layer's small products at one thread, came within 5 % of the faster fixed count or
# beat it at every setting (0.95-1.13x).
_MIN_WORK = 1 << 23
_rule_max: int | None = None  # the most threads the rule gives a product; None: the rule is off
_rule_current: int | None = None  # the count fit_threads set last (None: unknown)


class _Control:
    """The setter and getter of one loaded BLAS library."""

    # ctypes functions: their default result type is a C int.
    def __init__(self, setter: Callable[[int], object], getter: Callable[[], int]) -> None:
        self.setter = setter
        self.getter = getter

    def get(self) -> int:
        return int(self.getter())

    def set(self, n: int) -> None:
        self.setter(int(n))


def _loaded_libraries() -> list[str]:
    """Paths of the loaded shared libraries whose names mark them as a BLAS (Linux only)."""
    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return []
    paths = set()
    for line in maps.read_text().splitlines():
        path = line.split()[-1] if line.split() else ""
        if path.startswith("/") and any(
            marker in Path(path).name.lower() for marker in _LIBRARY_MARKERS
        ):
            paths.add(path)
    return sorted(paths)


@lru_cache(maxsize=1)
def _controls() -> tuple[_Control, ...]:
    # NumPy loads its BLAS when it is imported: it must be loaded to be found.
    importlib.import_module("numpy")
    controls = []
    for path in _loaded_libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _SYMBOLS:
            if hasattr(library, set_name) and hasattr(library, get_name):
                controls.append(_Control(getattr(library, set_name), getattr(library, get_name)))
                break
    return tuple(controls)


def get_blas_threads() -> int | None:
    """The thread count of NumPy's BLAS, or None where it cannot be read (see the module docstring)."""
    controls = _controls()
    return controls[0].get() if controls else None


def set_blas_threads(n: int) -> bool:
    """Give NumPy's BLAS n threads from now on; False (and nothing changed) where it cannot be steered."""
    if int(n) != n or n < 1:
        raise ValueError(
            _("set_blas_threads: the thread count must be a positive integer, got {n!r}").format(
                n=n
            )
        )
    global _rule_max, _rule_current
    controls = _controls()
    with _lock:
        if _depth:
            raise RuntimeError(
                _("set_blas_threads: a single_blas_thread() block is running in this process")
            )
        for control in controls:
            control.set(int(n))
        _rule_max = _rule_current = None  # a fixed count from now on
    return bool(controls)


def use_threads_by_shape(max_threads: int | None = None) -> bool:
    """From now on, let each product of the fast kernels take the count product_threads gives it,
    up to max_threads (default: the BLAS's count now, one per core unless set otherwise).
    set_blas_threads(n) goes back to a fixed count. False (and nothing changed) where the BLAS
    cannot be steered."""
    global _rule_max, _rule_current
    if max_threads is not None and (int(max_threads) != max_threads or max_threads < 1):
        raise ValueError(
            _(
                "use_threads_by_shape: the thread count must be a positive integer, got {n!r}"
            ).format(n=max_threads)
        )
    most = max_threads if max_threads is not None else get_blas_threads()
    if most is None:
        return False
    set_blas_threads(most)
    _rule_max, _rule_current = int(most), int(most)
    return True


def threads_by_shape() -> int | None:
    """The most threads the shape rule gives a product, or None where the count is fixed."""
    return _rule_max


def product_threads(m: int, k: int, n: int, max_threads: int) -> int:
    """The rule: the BLAS threads for an (m, k) · (k, n) product, at most max_threads."""
    return max_threads if m * k * n >= _MIN_WORK else 1


def fit_threads(m: int, k: int, n: int) -> None:
    """Before an (m, k) · (k, n) product: give the BLAS the rule's count for it, where the rule
    is on and no single_blas_thread() block holds the count at one. Nothing otherwise."""
    global _rule_current
    most = _rule_max
    if most is None or _depth:
        return
    wanted = product_threads(m, k, n, most) if most > 1 else 1
    if wanted != _rule_current:
        for control in _controls():
            control.set(wanted)
        _rule_current = wanted


@contextmanager
def single_blas_thread() -> Iterator[int | None]:
    """Run the body with one BLAS thread; restore the previous counts afterwards.

    Yields 1, or None when no BLAS library could be steered. Nested and concurrent uses (trials
    running in threads of one Dask worker) share one setting: the first to enter sets it, the
    last to leave restores it.
    """
    global _depth, _rule_current
    controls = _controls()
    with _lock:
        if _depth == 0:
            _saved[:] = [control.get() for control in controls]
            for control in controls:
                control.set(1)
        _depth += 1
    try:
        yield 1 if controls else None
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for control, n in zip(controls, _saved):
                    control.set(n)
                # the rule's last count may not be the restored one: fit_threads sets it again
                _rule_current = None
