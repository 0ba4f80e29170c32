import errno
import re
import subprocess
import sys

import pytest

import deepkiso.files
from deepkiso import __version__
from deepkiso.cli import main


def test_version_prints_the_package_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"deepkiso {__version__}"


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "deepkiso (基礎)" in out
    for name in (
        "check",
        "evaluate",
        "experiment",
        "graph",
        "landscape",
        "local-minimum",
        "minibatch-objective",
        "numdiff",
        "predict",
        "train",
        "vanishing",
        "why-not-accuracy",
    ):
        assert re.search(rf"^    {name}\b", out, re.MULTILINE), name


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: deepkiso" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["fly"]) == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err


def test_console_script_runs_as_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "deepkiso", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == f"deepkiso {__version__}"


# -- one line for every failure -----------------------------------------------------------------

LANDSCAPE = ["landscape", "--steps", "2", "--dpi", "20"]


def one_line(capsys) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


@pytest.mark.parametrize(
    "argv", [["--help"], ["train", "--batch-size", "0"], ["check", "--timeout", "inf"]]
)
def test_help_and_usage_errors_do_not_load_matplotlib(argv):
    # matplotlib is most of a cold start's import time; only the commands that draw need it.
    code = (
        "import sys\nfrom deepkiso.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"], [], ["trian"]])
def test_naming_no_command_imports_neither_numpy_nor_any_command(argv):
    # The command list is read from the modules' source: one screen of text costs no NumPy.
    code = (
        "import sys\nfrom deepkiso.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m == 'numpy' or m.startswith('deepkiso.commands.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr


def test_the_command_list_read_from_source_is_what_the_modules_say():
    from deepkiso.cli import _command_lines, _command_modules

    assert _command_lines() == [(mod.NAME, mod.HELP) for mod in _command_modules()]


def test_the_course_names_load_on_first_use():
    import deepkiso
    from deepkiso.layers import Affine

    assert deepkiso.Affine is Affine
    assert deepkiso.layers.Affine is Affine
    assert set(deepkiso.__all__) <= set(dir(deepkiso))
    with pytest.raises(AttributeError, match="no attribute 'Afine'"):
        _ = deepkiso.Afine


def test_a_usage_mistake_is_one_line_without_the_usage_block(capsys):
    assert main(["landscape", "--steps", "many"]) == 2
    assert one_line(capsys) == (
        "deepkiso landscape: error: argument --steps: expected an integer from 1 to 100000, "
        "got 'many' (see deepkiso landscape --help)"
    )


@pytest.mark.parametrize(
    ("where", "cause"),
    [
        ("{file}/x.png", "{file}: is a file, not a folder"),
        ("/proc/deepkiso-test.png", "/proc/deepkiso-test.png: No such file or directory"),
        ("{tmp}/" + "a" * 300 + ".png", "{tmp}/" + "a" * 300 + ".png: File name too long"),
    ],
)
def test_a_picture_that_cannot_be_written_is_one_line_naming_the_path(
    tmp_path, capsys, where, cause
):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    fill = {"file": a_file, "tmp": tmp_path}
    assert main([*LANDSCAPE, "--out", where.format(**fill)]) == 1
    assert one_line(capsys) == f"deepkiso landscape: failed: {cause.format(**fill)}"


def _full_disk_for(monkeypatch, stem: str = "") -> None:
    """Writing a file whose name starts with stem fails as a full disk does (ENOSPC, with no file name)."""
    flush = deepkiso.files._flush_to_disk

    def flush_or_fail(path, flags):
        if path.name.startswith(
            f".{stem}"
        ):  # write_atomically's temporary name: .STEM.<pid>-<hex>.partSUFFIX
            raise OSError(errno.ENOSPC, "No space left on device")
        flush(path, flags)

    monkeypatch.setattr(deepkiso.files, "_flush_to_disk", flush_or_fail)


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_nothing_half_written(
    tmp_path, monkeypatch, capsys
):
    _full_disk_for(monkeypatch)
    out = tmp_path / "landscape.png"
    assert main([*LANDSCAPE, "--out", str(out)]) == 1
    assert one_line(capsys) == f"deepkiso landscape: failed: {out}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_at_the_end_of_training_keeps_the_saved_run_valid(
    tmp_path, monkeypatch, capsys
):
    run_dir = tmp_path / "run"
    _full_disk_for(monkeypatch, "curves")  # the last file train writes, after the final checkpoint
    assert main(["train", "--out", str(run_dir), "--epochs", "2", "--hidden", "4", "--quiet"]) == 1
    assert (
        one_line(capsys)
        == f"deepkiso train: failed: {run_dir / 'curves.png'}: No space left on device"
    )
    monkeypatch.undo()
    assert main(["evaluate", str(run_dir)]) == 0  # the epoch-2 checkpoint is whole and loads
    assert "digits test: 360 samples" in capsys.readouterr().out
    assert main(["train", "--resume", str(run_dir), "--epochs", "2", "--quiet"]) == 0
    assert "has done all 2 epochs" in capsys.readouterr().out


def test_running_out_of_memory_is_one_line(monkeypatch, capsys):
    import deepkiso.commands.landscape as landscape

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(landscape, "descend", no_memory)
    assert main(LANDSCAPE) == 1
    assert one_line(capsys) == (
        "deepkiso landscape: failed: out of memory; use smaller sizes "
        "(see deepkiso landscape --help)"
    )
