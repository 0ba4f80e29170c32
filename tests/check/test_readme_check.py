"""The sample reports in the README's `deepkiso check` section are what the checker prints today.

Four examples: a file with planted bugs, a book-layout project and a notebook
(both from tests/check/corpus/), and check(Affine) in a Jupyter kernel.
``python tests/check/test_readme_check.py --update`` rewrites the README's
outputs from real runs, after a change to the checks' wording.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_JA = ROOT / "README.ja.md"
CORPUS = ROOT / "tests" / "check" / "corpus"
# (case folder, the command shown): each shown as "$ deepkiso check …", its output, "$ echo $?", the exit code.
COMMANDS = [
    ("load_several_files", "deepkiso check common ch05/two_layer_net.py --only 2_14 2_16"),
    ("load_nb_shadowed_by_import", "deepkiso check 2_14_affine_trainee.ipynb --only Affine"),
]
_SAMPLE = r"```python\n((?:(?!```).)*?)```\s*```text\n\$ deepkiso check my_layers.py\n(.*?)\$ echo"
_SAMPLE_JA = r"```python\n((?:(?!```).)*?)```\s*```text\n(deepkiso check mine\.py\n.*?)```"
_LIVE = r"```python\n(# In \[1\]:\n(?:(?!```).)*?)```\s*```text\n(.*?)```"


def _command_pattern(command: str) -> str:
    return r"\$ " + re.escape(command) + r"\n(.*?)\$ echo \$\?\n(\d)\n"


def run_sample(source: str, tmp_dir: Path) -> str:
    from deepkiso.check import check_file, format_text

    path = tmp_dir / "my_layers.py"
    path.write_text(source, encoding="utf-8")
    report = check_file(path)
    report.path = "my_layers.py"
    return format_text(report) + "\n"


def run_command(case: str, command: str) -> tuple[str, int]:
    """The command's stdout and exit code, run in the case's folder as the README shows it."""
    from deepkiso.cli import main

    out, here = io.StringIO(), os.getcwd()
    os.chdir(CORPUS / case)
    try:
        with contextlib.redirect_stdout(out):
            code = main(command.split()[1:])
    finally:
        os.chdir(here)
    return out.getvalue(), code


def run_live(cells_text: str) -> str:
    """The text the last cell displays when the README's cells run in a fresh Jupyter kernel."""
    import nbclient
    import nbformat

    cells = [c.strip() for c in re.split(r"# In \[\d+\]:\n", cells_text) if c.strip()]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    [output] = notebook.cells[-1].outputs
    return output["data"]["text/plain"] + "\n"


def test_the_sample_report_is_a_real_run(tmp_path):
    source, shown = re.search(_SAMPLE, README.read_text(encoding="utf-8"), flags=re.S).groups()
    assert run_sample(source, tmp_path) == shown


def test_the_japanese_readmes_sample_report_is_a_real_run(tmp_path):
    from deepkiso.check import check_file, format_text
    from deepkiso.i18n import set_language

    source, shown = re.search(
        _SAMPLE_JA, README_JA.read_text(encoding="utf-8"), flags=re.S
    ).groups()
    (tmp_path / "mine.py").write_text(source, encoding="utf-8")
    set_language("ja")
    try:
        report = check_file(tmp_path / "mine.py")
        report.path = "mine.py"
        assert format_text(report) + "\n" == shown
    finally:
        set_language(None)


def test_the_project_and_notebook_reports_are_real_runs():
    text = README.read_text(encoding="utf-8")
    for case, command in COMMANDS:
        shown, code = re.search(_command_pattern(command), text, flags=re.S).groups()
        assert run_command(case, command) == (shown, int(code))


def test_the_live_check_in_a_kernel_is_a_real_run():
    cells, shown = re.search(_LIVE, README.read_text(encoding="utf-8"), flags=re.S).groups()
    assert run_live(cells) == shown


def update(tmp_dir: Path) -> None:
    """Rewrite every output of the four examples in the README from a real run."""
    text = README.read_text(encoding="utf-8")
    match = re.search(_SAMPLE, text, flags=re.S)
    text = text[: match.start(2)] + run_sample(match.group(1), tmp_dir) + text[match.end(2) :]
    for case, command in COMMANDS:
        match = re.search(_command_pattern(command), text, flags=re.S)
        output, code = run_command(case, command)
        text = (
            text[: match.start(1)]
            + output
            + "$ echo $?\n"
            + str(code)
            + "\n"
            + text[match.end(2) + 1 :]
        )
    match = re.search(_LIVE, text, flags=re.S)
    text = text[: match.start(2)] + run_live(match.group(1)) + text[match.end(2) :]
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        update(Path(tmp))
