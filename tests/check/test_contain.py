"""The worker's workspace (a bounded copy of the project) and its environment."""

import os

import pytest

from deepkiso.check import contain
from deepkiso.check.contain import Workspace, scrubbed_environment


def test_the_copy_holds_the_code_not_links_data_or_hidden_folders(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "common").mkdir(parents=True)
    (project / "common" / "layers.py").write_text("x = 1")
    (project / "notes.txt").write_text("small")
    (project / "big.bin").write_bytes(b"\0" * (contain.COPY_FILE_LIMIT_BYTES + 1))
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref")
    (project / "dataset").mkdir()
    (project / "dataset" / "mnist.pkl").write_text("data")
    (project / "secret_link").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").write_text("not the project's")
    outside = tmp_path / "loose.py"
    outside.write_text("y = 2")
    workspace = Workspace(
        [project / "common" / "layers.py", outside], [project, tmp_path / "other"]
    )
    try:
        copy = workspace.roots[0]
        assert (
            workspace.paths[0] == copy / "common" / "layers.py"
            and workspace.paths[0].read_text() == "x = 1"
        )
        assert workspace.paths[1].read_text() == "y = 2"
        assert (copy / "notes.txt").read_text() == "small"
        for missing in ("big.bin", ".git", "dataset", "secret_link"):
            assert not (copy / missing).exists()
        assert str(project / "big.bin") in workspace.skipped
    finally:
        workspace.remove()
    assert not workspace.folder.exists()
    assert (project / "big.bin").exists()  # the originals are never touched


def test_the_copy_stops_at_its_file_count_but_keeps_the_checked_file(tmp_path, monkeypatch):
    monkeypatch.setattr(contain, "COPY_FILE_COUNT", 3)
    for i in range(10):
        (tmp_path / f"a{i}.py").write_text("")
    (tmp_path / "z.py").write_text("checked")
    workspace = Workspace([tmp_path / "z.py"], [tmp_path])
    try:
        assert len(list(workspace.roots[0].iterdir())) == 4
        assert workspace.paths[0].read_text() == "checked"
    finally:
        workspace.remove()


def test_the_environment_keeps_the_allowlist_only(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "k3y")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    env = scrubbed_environment(tmp_path / "home", tmp_path / "tmp")
    assert env["HOME"] == str(tmp_path / "home") and env["TMPDIR"] == str(tmp_path / "tmp")
    assert (
        env["LC_ALL"] == "C.UTF-8"
        and env["OMP_NUM_THREADS"] == "1"
        and env["PATH"] == os.environ["PATH"]
    )
    assert "t0ken" not in env.values() and "k3y" not in env.values()


def test_a_project_in_the_temp_folder_is_copied_without_the_workspaces_in_it(tmp_path):
    project = tmp_path / "tmp"
    (project / "deepkiso-check-abc123" / "work").mkdir(parents=True)
    (project / "deepkiso-check-abc123" / "work" / "old.py").write_text("x = 1\n")
    (project / "mine.py").write_text("y = 2\n")
    workspace = Workspace([project / "mine.py"], [project])
    try:
        copied = {p.name for p in workspace.work.rglob("*")}
        assert "mine.py" in copied and "old.py" not in copied
        assert not any(name.startswith("deepkiso-check-") for name in copied)
    finally:
        workspace.remove()


def test_a_copy_that_fails_leaves_no_workspace_behind(tmp_path, monkeypatch):
    import tempfile

    (tmp_path / "mine.py").write_text("y = 2\n")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workspace, "_copy_tree", full_disk)
    with pytest.raises(OSError):
        Workspace([tmp_path / "mine.py"], [tmp_path])
    assert list((tmp_path / "temp").iterdir()) == []
