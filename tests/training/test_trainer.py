import numpy as np
import pytest

from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD, Adam, Momentum
from deepkiso.training import (
    CHECKPOINT_NAME,
    Callback,
    History,
    Trainer,
    TrainingDiverged,
    TrainingInterrupted,
    load_checkpoint,
)


class StopAt(Callback):
    """Stops training, as a kill would, right after the given iteration."""

    def __init__(self, iteration):
        self.iteration = iteration

    def on_iteration(self, trainer, loss):
        if trainer.iteration == self.iteration:
            raise KeyboardInterrupt


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], np.ndarray):
            assert np.array_equal(a[key], b[key]), key
        else:
            assert a[key] == b[key], key


def test_trainer_lowers_the_loss_and_learns_the_digits(make_trainer, digits):
    (x, t), (x_test, t_test) = digits
    history = make_trainer(x, t, n_epochs=8, hidden=32).train(x, t, x_test, t_test)
    assert len(history.iteration_loss) == 8 * 45
    assert np.mean(history.iteration_loss[-45:]) < 0.5 * np.mean(history.iteration_loss[:45])
    assert [row["epoch"] for row in history.epochs] == list(range(1, 9))
    assert history.epochs[-1]["iteration"] == 8 * 45
    assert history.epochs[-1]["test_accuracy"] >= 0.9
    assert history.epochs[-1]["train_loss"] < history.epochs[0]["train_loss"]


def test_trainer_trains_in_float32_without_upcasting(make_trainer, digits):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1)
    trainer.train(x, t)
    assert all(p.dtype == np.float32 for p in trainer.net.params.values())
    assert all(
        a.dtype == np.float32
        for a in trainer.optimizer.state_dict().values()
        if isinstance(a, np.ndarray)
    )


def test_regression_history_has_no_accuracy():
    (x, t), (x_test, t_test) = load_dataset("sine")
    net = TwoLayerNet(1, 16, 1, weight_init_std="he", loss="squared")
    trainer = Trainer(net, Adam(0.01), make_sampler("shuffle", n_samples=len(x), batch_size=20), 20)
    history = trainer.train(x, t, x_test, t_test)
    assert history.epochs[-1]["test_accuracy"] is None
    assert history.epochs[-1]["test_loss"] < 0.5 * history.epochs[0]["test_loss"]


def test_state_dict_round_trip_changes_nothing(make_trainer, digits):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1)
    trainer.train(x, t)
    before = trainer.state_dict()
    trainer.load_state_dict(trainer.state_dict())
    assert_same_state(trainer.state_dict(), before)


@pytest.mark.parametrize(("stop_at", "resumed_at"), [(21, 20), (46, 45), (58, 50)])
def test_resume_from_a_checkpoint_ends_bit_identical(
    make_trainer, digits, tmp_path, stop_at, resumed_at
):
    # 45 batches per epoch, a checkpoint every 10 iterations and at the end of each epoch:
    # resumes mid-epoch (20 and 50, in the second epoch) and from the end of epoch 1 (45).
    (x, t), (x_test, t_test) = digits
    reference = make_trainer(x, t, checkpoint_dir=tmp_path / "reference", checkpoint_every=10)
    reference.train(x, t, x_test, t_test)

    interrupted = make_trainer(
        x, t, checkpoint_dir=tmp_path / "run", checkpoint_every=10, callbacks=[StopAt(stop_at)]
    )
    with pytest.raises(KeyboardInterrupt):
        interrupted.train(x, t, x_test, t_test)
    resumed = make_trainer(x, t, checkpoint_dir=tmp_path / "run", checkpoint_every=10, seed=99)
    resumed.load_state_dict(load_checkpoint(tmp_path / "run").state)
    assert resumed.iteration == resumed_at
    resumed.train(x, t, x_test, t_test)

    for name, param in reference.net.params.items():
        assert np.array_equal(param, resumed.net.params[name]), name
    final = load_checkpoint(tmp_path / "run").state
    assert_same_state(
        {k: v for k, v in final.items() if k != "history/epochs"},
        {
            k: v
            for k, v in load_checkpoint(tmp_path / "reference").state.items()
            if k != "history/epochs"
        },
    )


def test_nan_loss_stops_with_the_iteration_and_the_last_checkpoint(digits, tmp_path):
    (x, t), _ = digits
    net = TwoLayerNet(64, 16, 10, weight_init_std="he")
    sampler = make_sampler("shuffle", n_samples=len(x), batch_size=32)
    trainer = Trainer(net, SGD(1e30), sampler, 2, checkpoint_dir=tmp_path)
    with (
        np.errstate(all="ignore"),
        pytest.raises(
            TrainingDiverged, match=r"at iteration \d+ \(epoch 1\); no checkpoint"
        ) as info,
    ):
        trainer.train(x, t)
    assert info.value.iteration == trainer.iteration + 1
    assert not (tmp_path / CHECKPOINT_NAME).exists()


def test_nan_names_the_last_good_checkpoint(digits, tmp_path):
    (x, t), _ = digits
    net = TwoLayerNet(64, 16, 10, weight_init_std="he")
    trainer = Trainer(
        net,
        SGD(0.1),
        make_sampler("shuffle", n_samples=len(x), batch_size=32),
        3,
        checkpoint_dir=tmp_path,
    )
    trainer.train(x, t)  # one good epoch... three, in fact
    trainer.n_epochs = 4
    trainer.optimizer.lr = 1e30
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as info:
        trainer.train(x, t)
    assert str(tmp_path / CHECKPOINT_NAME) in str(info.value)
    state = load_checkpoint(tmp_path).state
    assert all(np.all(np.isfinite(state[f"net/{name}"])) for name in net.params)


class PoisonAt(Callback):
    """Makes a weight NaN right after the given iteration, after its loss was already found finite."""

    def __init__(self, iteration):
        self.iteration = iteration

    def on_iteration(self, trainer, loss):
        if trainer.iteration == self.iteration:
            trainer.net.params["W1"][0, 0] = np.nan


def test_a_non_finite_weight_at_an_epochs_end_names_that_epoch(make_trainer, digits, tmp_path):
    (x, t), _ = digits
    trainer = make_trainer(
        x, t, n_epochs=3, checkpoint_dir=tmp_path, callbacks=[PoisonAt(45)]
    )  # 45 batches an epoch
    with (
        np.errstate(all="ignore"),
        pytest.raises(
            TrainingDiverged,
            match=r"parameter W1 is no longer finite "
            r"at iteration 45 \(epoch 1\); no checkpoint",
        ),
    ):
        trainer.train(x, t)


def test_checkpoint_every_without_a_directory_is_refused_before_training(make_trainer, digits):
    (x, t), _ = digits
    with pytest.raises(ValueError, match="checkpoint_every=10 needs a checkpoint_dir"):
        make_trainer(x, t, checkpoint_every=10)


def test_a_checkpoint_that_does_not_fit_lists_every_mismatch(make_trainer, digits, tmp_path):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1, hidden=16, checkpoint_dir=tmp_path)
    trainer.train(x, t)
    other = make_trainer(x, t, hidden=8)
    with pytest.raises(
        ValueError, match=r"W1: saved shape \(64, 16\), net has shape \(64, 8\)(.|\n)*b1(.|\n)*W2"
    ):
        other.load_state_dict(load_checkpoint(tmp_path).state)


def test_history_state_round_trip():
    history = History([0.5, 0.25], [{"epoch": 1, "test_accuracy": None}])
    restored = History()
    restored.load_state_dict(history.state_dict())
    assert restored == history


def test_trainer_rejects_a_sampler_built_for_other_data(make_trainer, digits):
    (x, t), _ = digits
    trainer = make_trainer(x[:100], t[:100])
    with pytest.raises(ValueError, match="built for 100 samples, x_train has 1437"):
        trainer.train(x, t)


class BlowUpBuffer(Callback):
    """Makes Adam's v buffer infinite after the given iteration (before its scheduled checkpoint)."""

    def __init__(self, iteration):
        self.iteration = iteration

    def on_iteration(self, trainer, loss):
        if trainer.iteration == self.iteration:
            trainer.optimizer.state["v"]["W1"][0, 0] = np.inf


def test_an_infinite_optimizer_buffer_is_no_good_checkpoint(make_trainer, digits, tmp_path):
    (x, t), _ = digits
    trainer = make_trainer(
        x, t, n_epochs=3, checkpoint_dir=tmp_path, checkpoint_every=10, callbacks=[BlowUpBuffer(30)]
    )
    with pytest.raises(
        TrainingDiverged,
        match=r"optimizer buffer v/W1 is no longer finite at iteration 30 "
        r"\(epoch 1\); the last good checkpoint is .*checkpoint.json",
    ):
        trainer.train(x, t)
    resumed = make_trainer(x, t, n_epochs=3, checkpoint_dir=tmp_path, checkpoint_every=10)
    resumed.load_state_dict(load_checkpoint(tmp_path, resumed.checkpoint_layout()).state)
    assert resumed.iteration == 20
    resumed.train(x, t)
    assert resumed.epoch == 3


def test_the_divergence_rule_is_ten_times_the_start_for_fifty_iterations(make_trainer, digits):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=5, lr=1e6)
    with pytest.raises(
        TrainingDiverged,
        match=r"the loss stayed above (\d|\.)+ \(10 × its start, (\d|\.)+\) for 50 "
        r"iterations, reaching .* at iteration 51 \(epoch 2\)",
    ):
        trainer.train(x, t)
    start = max(trainer.history.iteration_loss[0], np.log(10))
    assert all(loss > 10 * start for loss in trainer.history.iteration_loss[1:])
    # A run that learns never comes near it, nor does one with the rule off.
    assert len(make_trainer(x, t, n_epochs=3, lr=0.1).train(x, t).iteration_loss) == 135
    assert (
        len(
            make_trainer(x, t, n_epochs=2, lr=1e6, divergence_factor=None)
            .train(x, t)
            .iteration_loss
        )
        == 90
    )


def test_request_stop_writes_a_checkpoint_after_the_current_iteration(
    make_trainer, digits, tmp_path
):
    (x, t), _ = digits

    class StopAt(Callback):
        def on_iteration(self, trainer, loss):
            if trainer.iteration == 7:
                trainer.request_stop("SIGTERM")

    trainer = make_trainer(x, t, checkpoint_dir=tmp_path, callbacks=[StopAt()])
    with pytest.raises(
        TrainingInterrupted,
        match=r"stopped by SIGTERM after iteration 7 \(epoch 1\); checkpoint "
        r".*checkpoint.json written",
    ) as info:
        trainer.train(x, t)
    assert info.value.checkpoint == tmp_path / CHECKPOINT_NAME
    assert load_checkpoint(tmp_path).state["iteration"] == 7 and trainer.stop_reason is None


def test_a_stop_asked_for_in_an_epochs_last_batch_waits_for_its_end(make_trainer, digits, tmp_path):
    (x, t), _ = digits

    class StopAtTheLastBatch(Callback):
        def on_iteration(self, trainer, loss):
            if trainer.iteration == 45:  # 45 batches an epoch
                trainer.request_stop("SIGINT")

    trainer = make_trainer(x, t, checkpoint_dir=tmp_path, callbacks=[StopAtTheLastBatch()])
    with pytest.raises(TrainingInterrupted, match=r"after iteration 45 \(epoch 1\)"):
        trainer.train(x, t)
    state = load_checkpoint(tmp_path).state
    assert state["epoch"] == 1 and state["iteration"] == 45 and len(state["history/epochs"]) == 1


@pytest.mark.parametrize("optimizer", [SGD, Momentum, Adam])
def test_the_trainers_fast_path_trains_bit_for_bit_as_the_checked_gradient_and_update(optimizer):
    """The default path (the net's unchecked gradient, the optimizer's in-place step) against
    the course's calls (net.gradient, optimizer.update), on the same data and seeds."""

    class Checked(TwoLayerNet):
        def fits_unchecked(self, x, t):
            return False

    class BookOptimizer(optimizer):
        def step(self, params, grads):
            self.update(params, grads)

    (x, t), _ = load_dataset("digits")
    assert TwoLayerNet(64, 16, 10, rng=0).fits_unchecked(x, t) and not Checked(
        64, 16, 10
    ).fits_unchecked(x, t)
    runs = []
    for net_class, optimizer_class in ((TwoLayerNet, optimizer), (Checked, BookOptimizer)):
        net = net_class(64, 16, 10, rng=0)
        sampler = make_sampler("shuffle", n_samples=len(x), batch_size=32, rng=0)
        Trainer(net, optimizer_class(lr=0.05), sampler, 2, evaluate_train=False).train(x, t)
        runs.append(net.params)
    fast, checked = runs
    assert all(fast[k].tobytes() == checked[k].tobytes() for k in fast)


def test_the_trainer_lends_the_step_only_its_own_nets_gradient_arrays():
    """Only a MultiLayerNet's unchecked gradient arrays (its layers' buffers, overwritten every
    step) are the SGD step's work space; the arrays a net of one's own returns are left alone, and
    an optimizer with a step of its own is called as before."""

    class OwnGradient(TwoLayerNet):
        def gradient(self, x, t):
            self.handed_out = super().gradient(x, t)
            self.as_handed_out = {k: g.copy() for k, g in self.handed_out.items()}
            return self.handed_out

    class Untouched(Callback):
        def on_iteration(self, trainer, loss):
            net = trainer.net
            assert all(np.array_equal(net.handed_out[k], net.as_handed_out[k]) for k in net.params)

    class OwnStep(SGD):
        def step(self, params, grads):  # the signature before reuse_grads
            self.update(params, grads)

    (x, t), _ = load_dataset("digits")
    x, t = x[:256], t[:256]
    sampler = make_sampler("shuffle", n_samples=len(x), batch_size=32, rng=0)
    net = OwnGradient(64, 16, 10, rng=0)
    Trainer(net, SGD(lr=0.05), sampler, 1, evaluate_train=False, callbacks=[Untouched()]).train(
        x, t, verbose=False
    )
    for optimizer in (SGD(lr=0.05), OwnStep(lr=0.05)):
        net = TwoLayerNet(64, 16, 10, rng=0)
        sampler = make_sampler("shuffle", n_samples=len(x), batch_size=32, rng=0)
        Trainer(net, optimizer, sampler, 1, evaluate_train=False).train(x, t, verbose=False)
        assert optimizer.iterations == 8
