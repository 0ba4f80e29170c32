import pytest

from deepkiso.cli import main
from deepkiso.commands._output import FIGURE_SUFFIXES

MAGIC = {
    ".png": b"\x89PNG",
    ".svg": b"<?xml",
    ".pdf": b"%PDF",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".dot": b"digraph",
}

# Each picture command at its smallest and quickest: the pictures are about formats, not content.
SMALL = {
    "landscape": ["landscape", "--steps", "2", "--dpi", "20"],
    "local-minimum": ["local-minimum", "--runs", "1", "--steps", "2", "--dpi", "20"],
    "minibatch-objective": [
        "minibatch-objective",
        "--samples",
        "4",
        "--batch-size",
        "2",
        "--dpi",
        "20",
    ],
    "numdiff": ["numdiff", "--no-timing", "--dpi", "20"],
    "vanishing": ["vanishing", "--layers", "1", "--width", "2", "--dpi", "20"],
    "why-not-accuracy": [
        "why-not-accuracy",
        "--samples",
        "5",
        "--hidden",
        "2",
        "--train-steps",
        "0",
        "--points",
        "3",
        "--dpi",
        "20",
    ],
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", "--out", str(run_dir), "--hidden", "4", "--epochs", "1", "--quiet"]) == 0
    return run_dir


@pytest.mark.parametrize("command", [*SMALL, "evaluate"])
def test_the_help_names_the_formats_that_are_written(capsys, command):
    assert main([command, "--help"]) == 0
    assert ".png, .svg, .pdf or .jpg" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("suffix", FIGURE_SUFFIXES)
@pytest.mark.parametrize("command", SMALL)
def test_every_picture_command_writes_every_advertised_format(tmp_path, command, suffix):
    out = tmp_path / f"picture{suffix}"
    assert main([*SMALL[command], "--out", str(out)]) == 0
    assert out.read_bytes().startswith(MAGIC[suffix])
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


@pytest.mark.parametrize("suffix", FIGURE_SUFFIXES)
def test_evaluate_writes_every_advertised_format(run_dir, tmp_path, suffix):
    out = tmp_path / f"confusion{suffix}"
    assert main(["evaluate", str(run_dir), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(MAGIC[suffix])


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot"])
def test_graph_writes_every_advertised_format(tmp_path, capsys, suffix):
    assert main(["graph", "--help"]) == 0
    assert ".svg or .png (a picture) or .dot" in " ".join(capsys.readouterr().out.split())
    out = tmp_path / f"graph{suffix}"
    assert (
        main(
            [
                "graph",
                "x * y",
                "--set",
                "x=1",
                "y=2",
                "--out",
                str(out),
                "--renderer",
                "matplotlib",
                "--dpi",
                "20",
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(MAGIC[suffix])


def test_train_writes_its_curves_as_png(run_dir):
    assert (run_dir / "curves.png").read_bytes().startswith(MAGIC[".png"])
