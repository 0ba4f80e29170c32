import os

import pytest

from deepkiso.files import write_atomically, write_file_atomically


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
    write_atomically(tmp_path / "walk.gif", lambda temp: (seen.append(temp), open(temp, "wb").close()))
    assert seen[0].endswith(".gif") and os.path.basename(seen[0]).startswith(".walk.")
