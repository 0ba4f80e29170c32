"""How many threads NumPy's BLAS uses for its matrix products, read and set at run time.

OpenBLAS splits a large matrix product differently for different thread counts, and float32
sums in a different order round differently: the same training with one BLAS thread and with two
ends with weights that differ in their last bits. So a run that must repeat exactly — a resumed
``deepkiso train`` (exercise 2_18), a trial of the batch-size and sampling experiments (group
work バッチサイズの決め方, exercise 2_1) — runs with a known thread count:

* ``get_blas_threads()`` and ``set_blas_threads(n)`` read and set the count for the whole process
  (``deepkiso train --threads`` records it in the run's settings, and a resumed run sets it back);
* ``single_blas_thread()`` holds the count at one while its body runs, for experiment trials,
  whose parallelism comes from running several trials at once.

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

__all__ = ["get_blas_threads", "set_blas_threads", "single_blas_thread"]

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
    controls = _controls()
    with _lock:
        if _depth:
            raise RuntimeError(
                _("set_blas_threads: a single_blas_thread() block is running in this process")
            )
        for control in controls:
            control.set(int(n))
    return bool(controls)


@contextmanager
def single_blas_thread() -> Iterator[int | None]:
    """Run the body with one BLAS thread; restore the previous counts afterwards.

    Yields 1, or None when no BLAS library could be steered. Nested and concurrent uses (trials
    running in threads of one Dask worker) share one setting: the first to enter sets it, the
    last to leave restores it.
    """
    global _depth
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
