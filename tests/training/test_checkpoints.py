import hashlib
import io
import json
import re
import tracemalloc
import zipfile

import numpy as np
import pytest

from deepkiso.training import CHECKPOINT_NAME, load_checkpoint, save_checkpoint


def test_a_checkpoint_json_without_its_state_names_what_is_missing(tmp_path):
    save_checkpoint(tmp_path, {"epoch": 1}, settings={})
    meta = json.loads((tmp_path / CHECKPOINT_NAME).read_text())
    del meta["state"]
    (tmp_path / CHECKPOINT_NAME).write_text(json.dumps(meta))
    with pytest.raises(
        ValueError, match=r"checkpoint.json: the checkpoint lacks \['state'\] \(found keys \["
    ):
        load_checkpoint(tmp_path)


def test_checkpoint_round_trips_arrays_numbers_and_settings(tmp_path):
    state = {
        "net/W1": np.arange(6, dtype=np.float32).reshape(2, 3),
        "epoch": 2,
        "lr": 0.1,
        "sampler": {"rng_state": {"state": 2**100}},
        "history/epochs": [{"test_accuracy": None}],
    }
    save_checkpoint(tmp_path, state, settings={"dataset": "digits"})
    loaded = load_checkpoint(tmp_path)
    assert loaded.state.keys() == state.keys()
    assert np.array_equal(loaded.state["net/W1"], state["net/W1"])
    assert all(loaded.state[key] == state[key] for key in state if key != "net/W1")
    assert loaded.state["net/W1"].dtype == np.float32
    assert loaded.settings == {"dataset": "digits"}


def test_a_new_checkpoint_replaces_the_old_pair(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    save_checkpoint(tmp_path, {"w": np.ones(3)})
    assert len(list(tmp_path.glob("checkpoint-*.npz"))) == 1
    assert np.array_equal(load_checkpoint(tmp_path).state["w"], np.ones(3))
    assert {p.name for p in tmp_path.iterdir()} == {
        CHECKPOINT_NAME,
        next(tmp_path.glob("checkpoint-*.npz")).name,
    }


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
    assert {p.name for p in tmp_path.iterdir()} == {
        CHECKPOINT_NAME,
        newest,
        "checkpoint-0123456789abcdef.npz",
    }
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
    with pytest.raises(FileNotFoundError, match=r"checkpoint\.json: missing"):
        load_checkpoint(tmp_path)


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
    meta["sha256"] = hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
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
def trained(make_trainer, digits, tmp_path):
    """A trainer with one epoch and a checkpoint in tmp_path / "run"."""
    (x, t), _ = digits
    trainer = make_trainer(x, t, n_epochs=1, checkpoint_dir=tmp_path / "run")
    trainer.train(x, t)
    return trainer


@pytest.mark.parametrize(
    "name",
    [
        "../other/checkpoint-0123456789abcdef.npz",
        "/etc/passwd",
        "sub/x.npz",
        "checkpoint-0123456789abcdef.npz",
        7,
        "..",
        "",
    ],
)
def test_arrays_must_be_our_own_file_name_in_the_run_directory(trained, tmp_path, name):
    meta = json.loads((tmp_path / "run" / CHECKPOINT_NAME).read_text())
    rewrite(tmp_path / "run", {**meta, "arrays": name})
    with pytest.raises(
        ValueError,
        match=r"\"arrays\" must be the file name checkpoint-<the first 16 digits of "
        r"arrays_sha256>.npz, in the run directory, got ",
    ):
        load_checkpoint(tmp_path / "run")


def test_arrays_that_are_a_symbolic_link_are_refused(trained, tmp_path):
    run_dir = tmp_path / "run"
    arrays = next(run_dir.glob("checkpoint-*.npz"))
    (tmp_path / "elsewhere.npz").write_bytes(arrays.read_bytes())
    arrays.unlink()
    arrays.symlink_to(tmp_path / "elsewhere.npz")
    with pytest.raises(
        ValueError, match=r"\.npz: a symbolic link; a checkpoint's arrays must be a regular file"
    ):
        load_checkpoint(run_dir)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"optimizer/lr": 0.01', '"optimizer/lr": -1'),
        ('"epoch": 1', '"epoch": -9223372036854775808'),
    ],
)
def test_an_edited_value_in_checkpoint_json_breaks_its_checksum(trained, tmp_path, old, new):
    json_path = tmp_path / "run" / CHECKPOINT_NAME
    assert old in json_path.read_text()
    json_path.write_text(json_path.read_text().replace(old, new))
    with pytest.raises(ValueError, match="its fields do not match the SHA-256 it records"):
        load_checkpoint(tmp_path / "run")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("optimizer/lr", -1, "optimizer/lr: expected a positive finite number, got -1"),
        ("epoch", -(2**63), "epoch: expected an integer >= 0, got -9223372036854775808"),
        (
            "epoch",
            2,
            "history/epochs: expected a list of 2 rows (one per finished epoch), got 1 rows",
        ),
        ("iteration", True, "iteration: expected an integer >= 0, got True"),
        ("iteration", 40, "history/iteration_loss: expected float64 of shape (40,)"),
        ("optimizer/iterations", 3, "optimizer/iterations: expected 45 (the trainer's), got 3"),
        ("optimizer/beta1", "0.9", "optimizer/beta1: expected a finite number, got '0.9'"),
        (
            "history/epochs",
            [{"epoch": 1, "iteration": 99}],
            'row 1: expected "iteration" in [0, 45], got 99',
        ),
        ("sampler", [], "sampler: expected an object, got []"),
    ],
)
def test_every_field_of_a_rehashed_checkpoint_is_checked_against_the_trainer(
    make_trainer, trained, digits, tmp_path, key, value, message
):
    # Hashes recomputed: only the field checks stand between the edit and the run.
    meta = json.loads((tmp_path / "run" / CHECKPOINT_NAME).read_text())
    meta["state"][key] = value
    rewrite(tmp_path / "run", meta)
    (x, t), _ = digits
    fresh = make_trainer(x, t, checkpoint_dir=tmp_path / "run")
    with pytest.raises(ValueError, match=re.escape(message)):
        fresh.load_state_dict(load_checkpoint(tmp_path / "run", fresh.checkpoint_layout()).state)
    assert fresh.iteration == 0 and fresh.sampler.state_dict()["batches_done"] == 0


def test_a_version_1_checkpoint_still_loads_and_resumes(make_trainer, trained, digits, tmp_path):
    # Version 1, as deepkiso wrote it before: "sha256" is the arrays' hash, the JSON fields had none.
    run_dir = tmp_path / "run"
    meta = json.loads((run_dir / CHECKPOINT_NAME).read_text())
    old = {
        "format": meta["format"],
        "version": 1,
        "arrays": meta["arrays"],
        "sha256": meta["arrays_sha256"],
        "settings": meta["settings"],
        "state": meta["state"],
    }
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
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": (8 << 20,)}
    )
    data = npz_bytes(
        {"history/iteration_loss.npy": (buffer.getvalue() + bytes(64 << 20), zipfile.ZIP_DEFLATED)}
    )
    assert len(data) < 1 << 20
    rewrite(run_dir, arrays=data)
    tracemalloc.start()
    try:
        with pytest.raises(
            ValueError,
            match=r"member 'history/iteration_loss.npy': compressed \(declares 67108992 "
            r"bytes in \d+\); deepkiso writes and reads stored members only",
        ):
            load_checkpoint(run_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (
            {"net/W1.npy": (npy_bytes(np.zeros(4, np.float32))[:-4], zipfile.ZIP_STORED)},
            r"its header declares shape \(4,\) of float32 \(16 bytes\), the member holds 12",
        ),
        (
            {"net/W1.npy": (npy_bytes(np.array([None, 1], dtype=object)), zipfile.ZIP_STORED)},
            "holds Python objects, which are never unpickled",
        ),
        (
            {"net/W1": (npy_bytes(np.zeros(2)), zipfile.ZIP_STORED)},
            "expected one .npy per array name",
        ),
        (
            {"net/W1.npy": (b"\x93NUMPY\x09\x00", zipfile.ZIP_STORED)},
            r"\.npy version \(9, 0\) is not read here",
        ),
        (
            {"net/W1.npy": (b"\x93NUMPY\x01\x00\xff", zipfile.ZIP_STORED)},
            r"not a readable \.npz of arrays \(",
        ),
    ],
)
def test_a_member_whose_header_does_not_fit_is_refused_before_it_is_read(
    trained, tmp_path, members, message
):
    rewrite(tmp_path / "run", arrays=npz_bytes(members))
    with pytest.raises(ValueError, match=message):
        load_checkpoint(tmp_path / "run")


def test_members_are_checked_against_the_layout_before_they_are_read(
    make_trainer, trained, digits, tmp_path
):
    (x, t), _ = digits
    other = make_trainer(x, t, hidden=8)
    with pytest.raises(
        ValueError,
        match=r"does not fit this run's net and optimizer: net/W1: saved float32 of "
        r"shape \(64, 16\), expected float32 of shape \(64, 8\);",
    ):
        load_checkpoint(tmp_path / "run", other.checkpoint_layout())


def test_a_save_deletes_only_the_npz_that_the_previous_checkpoint_json_named(tmp_path):
    save_checkpoint(tmp_path, {"w": np.zeros(3)})
    mine = tmp_path / "checkpoint-fedcba9876543210.npz"  # not named by any checkpoint.json
    mine.write_bytes(b"trained weights")
    (tmp_path / CHECKPOINT_NAME).unlink()  # a lost checkpoint.json: nothing is known to be given up
    save_checkpoint(tmp_path, {"w": np.ones(3)})
    assert len(list(tmp_path.glob("checkpoint-*.npz"))) == 3
    save_checkpoint(tmp_path, {"w": np.full(3, 2.0)})
    assert (
        len(list(tmp_path.glob("checkpoint-*.npz"))) == 3
        and mine.read_bytes() == b"trained weights"
    )


def _stopped_at(make_run, x, t, stop_at):
    """A run made by make_run(), trained until iteration stop_at and stopped there."""
    from deepkiso.training import TrainingInterrupted

    trainer = make_run()

    class Stop:
        def on_epoch_start(self, trainer, n_batches):
            pass

        def on_iteration(self, trainer, loss):
            if trainer.iteration == stop_at:
                trainer.request_stop("test")

        def on_epoch_end(self, trainer, metrics):
            pass

    trainer.callbacks.append(Stop())
    try:
        trainer.train(x, t)
    except TrainingInterrupted:
        pass
    assert trainer.iteration == stop_at
    return trainer


def _without_seconds(epochs):
    return [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in epochs]


def test_a_checkpoint_written_by_the_version_2_format_loads_and_resumes_bit_identical(tmp_path):
    """fixtures/checkpoint_v2 was written once by make_checkpoint_v2.py (format version 2) and is
    committed: every later deepkiso must read it and continue it exactly as an uninterrupted run.

    Bit for bit where this machine's BLAS does the fixture's arithmetic bit for bit (OpenBLAS picks
    its float32 kernels by CPU, so another CPU may round the first steps differently: then the
    loaded state must still be that run's state to float32 rounding, and the resumed run must end
    where an uninterrupted one does, to rounding)."""
    import importlib.util
    import shutil
    from pathlib import Path

    maker = Path(__file__).parent / "fixtures" / "make_checkpoint_v2.py"
    spec = importlib.util.spec_from_file_location("make_checkpoint_v2", maker)
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    HERE, STOP_AT, tiny_data, tiny_run = (
        fixture.HERE,
        fixture.STOP_AT,
        fixture.tiny_data,
        fixture.tiny_run,
    )

    x, t = tiny_data()
    run_dir = shutil.copytree(HERE, tmp_path / "run")
    checkpoint = load_checkpoint(run_dir, tiny_run().checkpoint_layout())
    assert checkpoint.version == 2 and checkpoint.state["iteration"] == STOP_AT
    stopped = _stopped_at(tiny_run, x, t, STOP_AT).state_dict()
    assert checkpoint.state.keys() == stopped.keys()
    same_arithmetic = all(
        np.array_equal(checkpoint.state[key], value)
        for key, value in stopped.items()
        if isinstance(value, np.ndarray)
    )
    for key, value in stopped.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_allclose(
                checkpoint.state[key], value, rtol=1e-5, atol=1e-7, err_msg=key
            )
        elif key == "history/epochs":  # wall-clock seconds differ from run to run
            assert _without_seconds(checkpoint.state[key]) == _without_seconds(value)
        else:
            assert checkpoint.state[key] == value, key
    resumed = tiny_run()
    resumed.load_state_dict(checkpoint.state)
    resumed.train(x, t)
    alone = tiny_run()
    alone.train(x, t)
    assert resumed.iteration == alone.iteration and resumed.epoch == alone.epoch == 3
    for name, param in alone.net.params.items():
        if same_arithmetic:
            assert np.array_equal(resumed.net.params[name], param), name
        else:
            np.testing.assert_allclose(resumed.net.params[name], param, rtol=1e-4, atol=1e-6)
    if same_arithmetic:
        assert resumed.history.iteration_loss == alone.history.iteration_loss
    else:
        np.testing.assert_allclose(
            resumed.history.iteration_loss, alone.history.iteration_loss, rtol=1e-5
        )
