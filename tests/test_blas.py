"""deepkiso.blas: reading and setting the BLAS thread count, and holding it at one for a trial."""

import threading

import pytest

from deepkiso import blas


def _counts():
    return [control.get() for control in blas._controls()]


def test_single_blas_thread_sets_one_thread_and_restores_the_count():
    if not blas._controls():
        pytest.skip("this NumPy's BLAS cannot be steered here (not Linux, or an unknown BLAS)")
    before = _counts()
    with blas.single_blas_thread() as threads:
        assert threads == 1
        assert _counts() == [1] * len(before)
        with blas.single_blas_thread():
            assert _counts() == [1] * len(before)
        assert _counts() == [1] * len(
            before
        )  # the inner exit must not restore while the outer runs
    assert _counts() == before


def test_overlapping_threads_restore_only_when_the_last_one_leaves():
    if not blas._controls():
        pytest.skip("this NumPy's BLAS cannot be steered here (not Linux, or an unknown BLAS)")
    before = _counts()
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with blas.single_blas_thread():
            inside.set()
            leave.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(5)
    with blas.single_blas_thread():
        pass
    assert _counts() == [1] * len(before)  # the other thread is still inside
    leave.set()
    worker.join(5)
    assert _counts() == before
