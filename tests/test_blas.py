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


def test_the_shape_rule_gives_more_threads_only_to_products_with_enough_work():
    # 784-100-10 at batch 32 and 100: every product under 8.4 M multiply-adds keeps one thread
    assert blas.product_threads(32, 784, 100, 2) == 1  # forward, 2.5 M
    assert blas.product_threads(784, 32, 100, 2) == 1  # weight gradient, 2.5 M
    assert blas.product_threads(100, 784, 100, 2) == 1  # batch 100: 7.8 M, just under
    assert blas.product_threads(1000, 1, 1000, 2) == 1  # a large output, too little work
    assert blas.product_threads(1 << 10, 1 << 3, 1 << 10, 2) == 2  # exactly the threshold
    assert blas.product_threads(32, 784, 1000, 2) == 2  # hidden 1000, batch 32: 25 M
    assert blas.product_threads(1000, 1000, 10, 2) == 2  # the second layer at 1000/1000: 10 M
    assert blas.product_threads(32, 1000, 10, 2) == 1  # the second layer at batch 32
    assert blas.product_threads(32, 784, 1000, 8) == 8  # up to the most it may give


def test_fit_threads_follows_the_rule_only_while_it_is_on_and_no_trial_holds_one_thread():
    if not blas._controls():
        pytest.skip("this NumPy's BLAS cannot be steered here (not Linux, or an unknown BLAS)")
    before = _counts()
    try:
        blas.fit_threads(784, 32, 100)  # the rule is off: nothing changes
        assert _counts() == before and blas.threads_by_shape() is None
        assert blas.use_threads_by_shape(2)
        assert blas.threads_by_shape() == 2
        blas.fit_threads(32, 784, 100)  # 2.5 M: one thread
        assert _counts() == [1] * len(before)
        blas.fit_threads(32, 784, 1000)  # 25 M: two
        assert _counts() == [2] * len(before)
        with blas.single_blas_thread():
            blas.fit_threads(32, 784, 1000)
            assert _counts() == [1] * len(before)  # a trial's one thread is left alone
        blas.fit_threads(32, 784, 1000)  # set again after the block restored its count
        assert _counts() == [2] * len(before)
    finally:
        blas.set_blas_threads(before[0])
    assert blas.threads_by_shape() is None  # a fixed count turns the rule off
    with pytest.raises(ValueError, match="positive integer"):
        blas.use_threads_by_shape(0)
