"""Where the commands that load a data set get it from: --data-dir and --mirror, through main([...])."""

import pytest
from local_server import described, server, small_mnist_files  # noqa: F401 (server: a fixture)

from deepkiso.cli import main
from deepkiso.data import download

TINY_MNIST_RUN = [
    "--dataset",
    "mnist",
    "--epochs",
    "1",
    "--hidden",
    "4",
    "--batch-size",
    "2",
    "--quiet",
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Keep every test away from the real user cache, the system folders and a mirror set outside."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("DEEPKISO_MIRROR", raising=False)
    monkeypatch.setitem(download.MIRRORS, "mnist", ())


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_train_with_a_missing_data_dir_names_it_and_creates_no_run(tmp_path, capsys):
    mine, out = tmp_path / "mine", tmp_path / "run"
    assert main(["train", *TINY_MNIST_RUN, "--data-dir", str(mine), "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert line.startswith(
        f"deepkiso train: error: {mine}: no such folder; data_dir (--data-dir) must be a folder "
        f"holding train-images-idx3-ubyte[.gz], "
    )
    assert not out.exists()


def test_evaluate_with_an_incomplete_data_dir_names_the_missing_file(tmp_path, capsys):
    run_dir = tmp_path / "digits"
    assert main(["train", "--out", str(run_dir), "--epochs", "1", "--hidden", "4", "--quiet"]) == 0
    (run_dir / "settings.json").write_text(
        (run_dir / "settings.json").read_text().replace('"digits"', '"mnist"')
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "train-images-idx3-ubyte.gz").write_bytes(b"")
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--data-dir", str(mine)]) == 2
    assert (
        f"{mine}: lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]; "
        in one_error_line(capsys)
    )


def test_train_downloads_from_the_mirror_given_with_mirror(server, tmp_path, monkeypatch, capsys):
    served = small_mnist_files(tmp_path / "made")
    for name, content in served.items():
        server.routes[f"/own/mnist/{name}"] = (200, content, "whole")
    monkeypatch.setitem(
        download.REMOTE_FILES, "mnist", tuple(described(n, c) for n, c in served.items())
    )
    assert (
        main(
            [
                "train",
                *TINY_MNIST_RUN,
                "--mirror",
                f"{server.url}/own",
                "--out",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    cached = tmp_path / "xdg-cache" / "deepkiso" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(served)


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--mirror", "ftp://example.org"],
        ["train", "--dataset", "mnist", "--mirror", "example.org/data"],
        ["experiment", "sampling", "--mirror", "http://"],
    ],
    ids=["train digits", "train mnist", "experiment"],
)
def test_a_malformed_mirror_is_one_line_and_exit_code_2(argv, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    assert "error: --mirror: expected a mirror's base URL (http://HOST/PATH" in one_error_line(
        capsys
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--epochs", "1"],
        ["train", "--dataset", "sine", "--epochs", "1"],
        ["experiment", "sampling"],
    ],
    ids=["train digits", "train sine", "experiment digits"],
)
def test_data_dir_for_a_set_that_reads_no_files_is_refused_not_ignored(argv, tmp_path, capsys):
    assert main([*argv, "--data-dir", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert (
        "error: --data-dir applies to the data sets read from files (mnist, fashion-mnist, kmnist), not to "
        in one_error_line(capsys)
    )
    assert not (tmp_path / "out").exists()
