import hashlib
import io
import json
import re
import tracemalloc
import zipfile

import numpy as np
import pytest

from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD, Adam
from deepkiso.training import (
    CHECKPOINT_NAME,
    Callback,
    History,
    Trainer,
    TrainingDiverged,
    TrainingInterrupted,
    evaluate,
    load_checkpoint,
    save_checkpoint,
)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def make_trainer(x, t, n_epochs=3, hidden=16, lr=0.01, batch_size=32, seed=0, **options):
    net = TwoLayerNet(x.shape[1], hidden, 10, weight_init_std="he", rng=seed)
    sampler = make_sampler("shuffle", n_samples=len(x), batch_size=batch_size, seed=seed)
    return Trainer(net, Adam(lr), sampler, n_epochs, **options)


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


def test_trainer_lowers_the_loss_and_learns_the_digits(digits):
    (x, t), (x_test, t_test) = digits
    history = make_trainer(x, t, n_epochs=8, hidden=32).train(x, t, x_test, t_test)
    assert len(history.iteration_loss) == 8 * 45
    assert np.mean(history.iteration_loss[-45:]) < 0.5 * np.mean(history.iteration_loss[:45])
    assert [row["epoch"] for row in history.epochs] == list(range(1, 9))
    assert history.epochs[-1]["iteration"] == 8 * 45
    assert history.epochs[-1]["test_accuracy"] >= 0.9
    assert history.epochs[-1]["train_loss"] < history.epochs[0]["train_loss"]


def test_trainer_trains_in_float32_without_upcasting(digits):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1)
    trainer.train(x, t)
    assert all(p.dtype == np.float32 for p in trainer.net.params.values())
    assert all(a.dtype == np.float32 for a in trainer.optimizer.state_dict().values() if isinstance(a, np.ndarray))


def test_regression_history_has_no_accuracy():
    (x, t), (x_test, t_test) = load_dataset("sine")
    net = TwoLayerNet(1, 16, 1, weight_init_std="he", loss="squared")
    trainer = Trainer(net, Adam(0.01), make_sampler("shuffle", n_samples=len(x), batch_size=20), 20)
    history = trainer.train(x, t, x_test, t_test)
    assert history.epochs[-1]["test_accuracy"] is None
    assert history.epochs[-1]["test_loss"] < 0.5 * history.epochs[0]["test_loss"]


def test_evaluate_in_chunks_matches_one_pass(digits):
    (x, t), _ = digits
    net = TwoLayerNet(64, 16, 10, weight_init_std="he")
    loss, accuracy = evaluate(net, x, t, chunk_size=100)
    assert loss == pytest.approx(net.loss(x, t), rel=1e-5)
    assert accuracy == pytest.approx(net.accuracy(x, t))


def test_state_dict_round_trip_changes_nothing(digits):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1)
    trainer.train(x, t)
    before = trainer.state_dict()
    trainer.load_state_dict(trainer.state_dict())
    assert_same_state(trainer.state_dict(), before)


@pytest.mark.parametrize(("stop_at", "resumed_at"), [(21, 20), (46, 45), (58, 50)])
def test_resume_from_a_checkpoint_ends_bit_identical(digits, tmp_path, stop_at, resumed_at):
    # 45 batches per epoch, a checkpoint every 10 iterations and at the end of each epoch:
    # resumes mid-epoch (20 and 50, in the second epoch) and from the end of epoch 1 (45).
    (x, t), (x_test, t_test) = digits
    reference = make_trainer(x, t, checkpoint_dir=tmp_path / "reference", checkpoint_every=10)
    reference.train(x, t, x_test, t_test)

    interrupted = make_trainer(x, t, checkpoint_dir=tmp_path / "run", checkpoint_every=10,
                               callbacks=[StopAt(stop_at)])
    with pytest.raises(KeyboardInterrupt):
        interrupted.train(x, t, x_test, t_test)
    resumed = make_trainer(x, t, checkpoint_dir=tmp_path / "run", checkpoint_every=10, seed=99)
    resumed.load_state_dict(load_checkpoint(tmp_path / "run").state)
    assert resumed.iteration == resumed_at
    resumed.train(x, t, x_test, t_test)

    for name, param in reference.net.params.items():
        assert np.array_equal(param, resumed.net.params[name]), name
    final = load_checkpoint(tmp_path / "run").state
    assert_same_state({k: v for k, v in final.items() if k != "history/epochs"},
                      {k: v for k, v in load_checkpoint(tmp_path / "reference").state.items() if k != "history/epochs"})


def test_nan_loss_stops_with_the_iteration_and_the_last_checkpoint(digits, tmp_path):
    (x, t), _ = digits
    net = TwoLayerNet(64, 16, 10, weight_init_std="he")
    sampler = make_sampler("shuffle", n_samples=len(x), batch_size=32)
    trainer = Trainer(net, SGD(1e30), sampler, 2, checkpoint_dir=tmp_path)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match=r"at iteration \d+ \(epoch 1\); no checkpoint") as info:
        trainer.train(x, t)
    assert info.value.iteration == trainer.iteration + 1
    assert not (tmp_path / CHECKPOINT_NAME).exists()


def test_nan_names_the_last_good_checkpoint(digits, tmp_path):
    (x, t), _ = digits
    net = TwoLayerNet(64, 16, 10, weight_init_std="he")
    trainer = Trainer(net, SGD(0.1), make_sampler("shuffle", n_samples=len(x), batch_size=32), 3,
                      checkpoint_dir=tmp_path)
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


def test_a_non_finite_weight_at_an_epochs_end_names_that_epoch(digits, tmp_path):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=3, checkpoint_dir=tmp_path, callbacks=[PoisonAt(45)])  # 45 batches an epoch
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match=r"parameter W1 is no longer finite "
                                                  r"at iteration 45 \(epoch 1\); no checkpoint"):
        trainer.train(x, t)


def test_checkpoint_every_without_a_directory_is_refused_before_training(digits):
    (x, t), _ = digits
    with pytest.raises(ValueError, match="checkpoint_every=10 needs a checkpoint_dir"):
        make_trainer(x, t, checkpoint_every=10)


def test_a_checkpoint_json_without_its_state_names_what_is_missing(tmp_path):
    save_checkpoint(tmp_path, {"epoch": 1}, settings={})
    meta = json.loads((tmp_path / CHECKPOINT_NAME).read_text())
    del meta["state"]
    (tmp_path / CHECKPOINT_NAME).write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"checkpoint.json: the checkpoint lacks \['state'\] \(found keys \["):
        load_checkpoint(tmp_path)


def test_checkpoint_round_trips_arrays_numbers_and_settings(tmp_path):
    state = {"net/W1": np.arange(6, dtype=np.float32).reshape(2, 3), "epoch": 2, "lr": 0.1,
             "sampler": {"rng_state": {"state": 2**100}}, "history/epochs": [{"test_accuracy": None}]}
    save_checkpoint(tmp_path, state, settings={"dataset": "digits"})
    loaded = load_checkpoint(tmp_path)
    assert_same_state(loaded.state, state)
    assert loaded.state["net/W1"].dtype == np.float32
    assert loaded.settings == {"dataset": "digits"}


def test_a_new_checkpoint_replaces_the_old_pair(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    save_checkpoint(tmp_path, {"w": np.ones(3)})
    assert len(list(tmp_path.glob("checkpoint-*.npz"))) == 1
    assert np.array_equal(load_checkpoint(tmp_path).state["w"], np.ones(3))
    assert {p.name for p in tmp_path.iterdir()} == {CHECKPOINT_NAME, next(tmp_path.glob("checkpoint-*.npz")).name}


def test_an_interrupted_save_leaves_the_previous_checkpoint_readable(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    # A writer killed after its .npz but before its JSON: a stray .npz and a stray temporary.
    (tmp_path / "checkpoint-0123456789abcdef.npz").write_bytes(b"half")
    (tmp_path / ".checkpoint.123-abcd.part.json").write_bytes(b"{")
    (tmp_path / ".checkpoint-0123456789abcdef.123-abcd.part.npz").write_bytes(b"ha")
    assert np.array_equal(load_checkpoint(tmp_path).state["w"], np.zeros(3))
    # The next save sweeps up the killed writer's temporaries and removes the .npz the old
    # checkpoint.json named, but no other .npz: one that no checkpoint.json gave up is never deleted.
    first = load_checkpoint(tmp_path).arrays_path.name
    save_checkpoint(tmp_path, {"w": np.ones(3)})
    newest = load_checkpoint(tmp_path).arrays_path.name
    assert {p.name for p in tmp_path.iterdir()} == {CHECKPOINT_NAME, newest, "checkpoint-0123456789abcdef.npz"}
    assert first not in {p.name for p in tmp_path.iterdir()}


def test_load_checkpoint_names_a_damaged_file(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    arrays = next(tmp_path.glob("checkpoint-*.npz"))
    arrays.write_bytes(arrays.read_bytes()[:-1] + b"x")
    with pytest.raises(ValueError, match=rf"{arrays.name}: SHA-256 .* does not match"):
        load_checkpoint(tmp_path)


def test_load_checkpoint_names_a_missing_arrays_file(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    meta = json.loads((tmp_path / CHECKPOINT_NAME).read_text())
    (tmp_path / meta["arrays"]).unlink()
    with pytest.raises(ValueError, match="which does not exist"):
        load_checkpoint(tmp_path)


def test_load_checkpoint_without_one_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint.json: missing"):
        load_checkpoint(tmp_path)


def test_a_checkpoint_that_does_not_fit_lists_every_mismatch(digits, tmp_path):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1, hidden=16, checkpoint_dir=tmp_path)
    trainer.train(x, t)
    other = make_trainer(x, t, hidden=8)
    with pytest.raises(ValueError, match=r"W1: saved shape \(64, 16\), net has shape \(64, 8\)(.|\n)*b1(.|\n)*W2"):
        other.load_state_dict(load_checkpoint(tmp_path).state)


def test_history_state_round_trip():
    history = History([0.5, 0.25], [{"epoch": 1, "test_accuracy": None}])
    restored = History()
    restored.load_state_dict(history.state_dict())
    assert restored == history


def test_trainer_rejects_a_sampler_built_for_other_data(digits):
    (x, t), _ = digits
    trainer = make_trainer(x[:100], t[:100])
    with pytest.raises(ValueError, match="built for 100 samples, x_train has 1437"):
        trainer.train(x, t)


# -- validated checkpoints ----------------------------------------------------------------------


def rewrite(directory, meta=None, arrays=None):
    """Write meta (default: the present checkpoint.json) and the .npz bytes arrays back with valid hashes,
    as someone who edits a checkpoint by hand and recomputes them would."""
    json_path = directory / CHECKPOINT_NAME
    meta = json.loads(json_path.read_text()) if meta is None else meta
    if arrays is not None:
        (directory / meta["arrays"]).unlink(missing_ok=True)
        meta["arrays_sha256"] = hashlib.sha256(arrays).hexdigest()
        meta["arrays"] = f"checkpoint-{meta['arrays_sha256'][:16]}.npz"
        (directory / meta["arrays"]).write_bytes(arrays)
    fields = {k: v for k, v in meta.items() if k != "sha256"}
    meta["sha256"] = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    json_path.write_text(json.dumps(meta))
    return meta


def npz_bytes(members):
    """A zip of {name: (bytes, compress_type)}, as an .npz would hold them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (data, compress_type) in members.items():
            archive.writestr(name, data, compress_type=compress_type)
    return buffer.getvalue()


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


@pytest.fixture
def trained(digits, tmp_path):
    """A trainer with one epoch and a checkpoint in tmp_path / "run"."""
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1, checkpoint_dir=tmp_path / "run")
    trainer.train(x, t)
    return trainer


@pytest.mark.parametrize("name", ["../other/checkpoint-0123456789abcdef.npz", "/etc/passwd", "sub/x.npz",
                                  "checkpoint-0123456789abcdef.npz", 7, "..", ""])
def test_arrays_must_be_our_own_file_name_in_the_run_directory(trained, tmp_path, name):
    meta = json.loads((tmp_path / "run" / CHECKPOINT_NAME).read_text())
    rewrite(tmp_path / "run", {**meta, "arrays": name})
    with pytest.raises(ValueError, match=r"\"arrays\" must be the file name checkpoint-<the first 16 digits of "
                                         r"arrays_sha256>.npz, in the run directory, got "):
        load_checkpoint(tmp_path / "run")


def test_arrays_that_are_a_symbolic_link_are_refused(trained, tmp_path):
    run_dir = tmp_path / "run"
    arrays = next(run_dir.glob("checkpoint-*.npz"))
    (tmp_path / "elsewhere.npz").write_bytes(arrays.read_bytes())
    arrays.unlink()
    arrays.symlink_to(tmp_path / "elsewhere.npz")
    with pytest.raises(ValueError, match=r"\.npz: a symbolic link; a checkpoint's arrays must be a regular file"):
        load_checkpoint(run_dir)


@pytest.mark.parametrize(("old", "new"), [('"optimizer/lr": 0.01', '"optimizer/lr": -1'),
                                          ('"epoch": 1', '"epoch": -9223372036854775808')])
def test_an_edited_value_in_checkpoint_json_breaks_its_checksum(trained, tmp_path, old, new):
    json_path = tmp_path / "run" / CHECKPOINT_NAME
    assert old in json_path.read_text()
    json_path.write_text(json_path.read_text().replace(old, new))
    with pytest.raises(ValueError, match="its fields do not match the SHA-256 it records"):
        load_checkpoint(tmp_path / "run")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("optimizer/lr", -1, "optimizer/lr: expected a positive finite number, got -1"),
    ("epoch", -2**63, "epoch: expected an integer >= 0, got -9223372036854775808"),
    ("epoch", 2, "history/epochs: expected a list of 2 rows (one per finished epoch), got 1 rows"),
    ("iteration", True, "iteration: expected an integer >= 0, got True"),
    ("iteration", 40, "history/iteration_loss: expected float64 of shape (40,)"),
    ("optimizer/iterations", 3, "optimizer/iterations: expected 45 (the trainer's), got 3"),
    ("optimizer/beta1", "0.9", "optimizer/beta1: expected a finite number, got '0.9'"),
    ("history/epochs", [{"epoch": 1, "iteration": 99}], "row 1: expected \"iteration\" in [0, 45], got 99"),
    ("sampler", [], "sampler: expected an object, got []"),
])
def test_every_field_of_a_rehashed_checkpoint_is_checked_against_the_trainer(trained, digits, tmp_path, key,
                                                                             value, message):
    # Hashes recomputed: only the field checks stand between the edit and the run.
    meta = json.loads((tmp_path / "run" / CHECKPOINT_NAME).read_text())
    meta["state"][key] = value
    rewrite(tmp_path / "run", meta)
    (x, t), _ = digits
    fresh = make_trainer(x, t, checkpoint_dir=tmp_path / "run")
    with pytest.raises(ValueError, match=re.escape(message)):
        fresh.load_state_dict(load_checkpoint(tmp_path / "run", fresh.checkpoint_layout()).state)
    assert fresh.iteration == 0 and fresh.sampler.state_dict()["batches_done"] == 0


def test_a_version_1_checkpoint_still_loads_and_resumes(trained, digits, tmp_path):
    # Version 1, as deepkiso wrote it before: "sha256" is the arrays' hash, the JSON fields had none.
    run_dir = tmp_path / "run"
    meta = json.loads((run_dir / CHECKPOINT_NAME).read_text())
    old = {"format": meta["format"], "version": 1, "arrays": meta["arrays"], "sha256": meta["arrays_sha256"],
           "settings": meta["settings"], "state": meta["state"]}
    (run_dir / CHECKPOINT_NAME).write_text(json.dumps(old, indent=1))
    (x, t), _ = digits
    resumed = make_trainer(x, t, n_epochs=2, checkpoint_dir=run_dir)
    checkpoint = load_checkpoint(run_dir, resumed.checkpoint_layout())
    assert checkpoint.version == 1
    resumed.load_state_dict(checkpoint.state)
    resumed.train(x, t)
    assert load_checkpoint(run_dir).version == 2 and resumed.epoch == 2


def test_a_deflated_member_is_refused_before_it_is_inflated(trained, tmp_path):
    # 64 MiB of zeros in 64 KiB: the zip bomb as a checkpoint. Nothing of it may be inflated.
    run_dir = tmp_path / "run"
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": (8 << 20,)})
    data = npz_bytes({"history/iteration_loss.npy": (buffer.getvalue() + bytes(64 << 20), zipfile.ZIP_DEFLATED)})
    assert len(data) < 1 << 20
    rewrite(run_dir, arrays=data)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"member 'history/iteration_loss.npy': compressed \(declares 67108992 "
                                             r"bytes in \d+\); deepkiso writes and reads stored members only"):
            load_checkpoint(run_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize(("members", "message"), [
    ({"net/W1.npy": (npy_bytes(np.zeros(4, np.float32))[:-4], zipfile.ZIP_STORED)},
     r"its header declares shape \(4,\) of float32 \(16 bytes\), the member holds 12"),
    ({"net/W1.npy": (npy_bytes(np.array([None, 1], dtype=object)), zipfile.ZIP_STORED)},
     "holds Python objects, which are never unpickled"),
    ({"net/W1": (npy_bytes(np.zeros(2)), zipfile.ZIP_STORED)}, "expected one .npy per array name"),
    ({"net/W1.npy": (b"\x93NUMPY\x09\x00", zipfile.ZIP_STORED)}, r"\.npy version \(9, 0\) is not read here"),
    ({"net/W1.npy": (b"\x93NUMPY\x01\x00\xff", zipfile.ZIP_STORED)}, r"not a readable \.npz of arrays \("),
])
def test_a_member_whose_header_does_not_fit_is_refused_before_it_is_read(trained, tmp_path, members, message):
    rewrite(tmp_path / "run", arrays=npz_bytes(members))
    with pytest.raises(ValueError, match=message):
        load_checkpoint(tmp_path / "run")


def test_members_are_checked_against_the_layout_before_they_are_read(trained, digits, tmp_path):
    (x, t), _ = digits
    other = make_trainer(x, t, hidden=8)
    with pytest.raises(ValueError, match=r"does not fit this run's net and optimizer: net/W1: saved float32 of "
                                         r"shape \(64, 16\), expected float32 of shape \(64, 8\);"):
        load_checkpoint(tmp_path / "run", other.checkpoint_layout())


def test_a_save_deletes_only_the_npz_that_the_previous_checkpoint_json_named(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    mine = tmp_path / "checkpoint-fedcba9876543210.npz"  # not named by any checkpoint.json
    mine.write_bytes(b"trained weights")
    (tmp_path / CHECKPOINT_NAME).unlink()  # a lost checkpoint.json: nothing is known to be given up
    save_checkpoint(tmp_path, {"w": np.ones(3)})
    assert len(list(tmp_path.glob("checkpoint-*.npz"))) == 3
    save_checkpoint(tmp_path, {"w": np.full(3, 2.0)})
    assert len(list(tmp_path.glob("checkpoint-*.npz"))) == 3 and mine.read_bytes() == b"trained weights"


class BlowUpBuffer(Callback):
    """Makes Adam's v buffer infinite after the given iteration (before its scheduled checkpoint)."""

    def __init__(self, iteration):
        self.iteration = iteration

    def on_iteration(self, trainer, loss):
        if trainer.iteration == self.iteration:
            trainer.optimizer.state["v"]["W1"][0, 0] = np.inf


def test_an_infinite_optimizer_buffer_is_no_good_checkpoint(digits, tmp_path):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=3, checkpoint_dir=tmp_path, checkpoint_every=10,
                           callbacks=[BlowUpBuffer(30)])
    with pytest.raises(TrainingDiverged, match=r"optimizer buffer v/W1 is no longer finite at iteration 30 "
                                               r"\(epoch 1\); the last good checkpoint is .*checkpoint.json"):
        trainer.train(x, t)
    resumed = make_trainer(x, t, n_epochs=3, checkpoint_dir=tmp_path, checkpoint_every=10)
    resumed.load_state_dict(load_checkpoint(tmp_path, resumed.checkpoint_layout()).state)
    assert resumed.iteration == 20
    resumed.train(x, t)
    assert resumed.epoch == 3


def test_the_divergence_rule_is_ten_times_the_start_for_fifty_iterations(digits):
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=5, lr=1e6)
    with pytest.raises(TrainingDiverged, match=r"the loss stayed above (\d|\.)+ \(10 × its start, (\d|\.)+\) for 50 "
                                               r"iterations, reaching .* at iteration 51 \(epoch 2\)"):
        trainer.train(x, t)
    start = max(trainer.history.iteration_loss[0], np.log(10))
    assert all(loss > 10 * start for loss in trainer.history.iteration_loss[1:])
    # A run that learns never comes near it, nor does one with the rule off.
    assert len(make_trainer(x, t, n_epochs=3, lr=0.1).train(x, t).iteration_loss) == 135
    assert len(make_trainer(x, t, n_epochs=2, lr=1e6, divergence_factor=None).train(x, t).iteration_loss) == 90


def test_request_stop_writes_a_checkpoint_after_the_current_iteration(digits, tmp_path):
    (x, t), _ = digits

    class StopAt(Callback):
        def on_iteration(self, trainer, loss):
            if trainer.iteration == 7:
                trainer.request_stop("SIGTERM")

    trainer = make_trainer(x, t, checkpoint_dir=tmp_path, callbacks=[StopAt()])
    with pytest.raises(TrainingInterrupted, match=r"stopped by SIGTERM after iteration 7 \(epoch 1\); checkpoint "
                                                  r".*checkpoint.json written") as info:
        trainer.train(x, t)
    assert info.value.checkpoint == tmp_path / CHECKPOINT_NAME
    assert load_checkpoint(tmp_path).state["iteration"] == 7 and trainer.stop_reason is None
