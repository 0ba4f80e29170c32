import re
import subprocess
import sys

from deepkiso import __version__
from deepkiso.cli import main


def test_version_prints_the_package_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"deepkiso {__version__}"


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "deepkiso (基礎)" in out
    for name in ("check", "evaluate", "experiment", "graph", "landscape", "numdiff", "predict", "train",
                 "vanishing", "why-not-accuracy"):
        assert re.search(rf"^    {name}\b", out, re.MULTILINE), name


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: deepkiso" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["fly"]) == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err


def test_console_script_runs_as_a_real_process():
    done = subprocess.run([sys.executable, "-m", "deepkiso", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"deepkiso {__version__}"
