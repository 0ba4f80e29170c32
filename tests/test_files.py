import os
import subprocess
import sys

import pytest

from deepkiso.files import (
    remove_stale_temporaries,
    write_atomically,
    write_file_atomically,
    write_json,
)


def test_write_file_atomically_replaces_the_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    assert write_file_atomically(target, b"new") == target
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.json"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")

    def half_then_fail(temp_path):
        with open(temp_path, "wb") as file:
            file.write(b"ha")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.png"]


def test_the_temporary_name_keeps_the_suffix_so_writers_can_pick_the_format(tmp_path):
    seen = []
    write_atomically(
        tmp_path / "walk.gif", lambda temp: (seen.append(temp), open(temp, "wb").close())
    )
    assert seen[0].endswith(".gif") and os.path.basename(seen[0]).startswith(".walk.")


def test_remove_stale_temporaries_sweeps_only_those_of_writers_that_no_longer_run(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    target = tmp_path / "labels.gz"
    dead = tmp_path / f".labels.{dead_pid}-0a1b2c3d.part.gz"
    alive = tmp_path / f".labels.{os.getpid()}-0a1b2c3d.part.gz"
    other_target = tmp_path / f".images.{dead_pid}-0a1b2c3d.part.gz"
    for path in (target, dead, alive, other_target):
        path.write_bytes(b"x")
    assert remove_stale_temporaries(target) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (target, alive, other_target)
    )


def test_write_json_writes_the_layout_asked_for_ending_in_a_newline(tmp_path):
    path = tmp_path / "settings.json"
    assert write_json(path, {"hidden": [4], "lr": 0.001}) == path
    assert path.read_text() == '{\n  "hidden": [\n    4\n  ],\n  "lr": 0.001\n}\n'
    write_json(path, {"a": 1}, indent=1)
    assert path.read_text() == '{\n "a": 1\n}\n'
    assert os.listdir(tmp_path) == ["settings.json"]  # no temporary left beside it
