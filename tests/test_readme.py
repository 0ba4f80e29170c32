"""The README's commands and code are the ones that work."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    install_and_train, install_and_test = (b.strip() for b in _blocks("bash")[:2])
    assert install_and_train.endswith("deepkiso train")
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_python_examples_run(tmp_path, monkeypatch):
    # One namespace for all blocks, as a reader pasting them in order into one session.
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "readme"}
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), namespace)


def _shell_commands(text: str) -> set[str]:
    """The command lines of a page's shell blocks, comments and spacing taken off, continuations joined."""
    commands = set()
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = " ".join(line.split("  #")[0].split())
            if line:
                commands.add(line)
    return commands


def test_the_japanese_readme_shows_the_same_commands():
    japanese = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    english, shown_in_japanese = _shell_commands(README), _shell_commands(japanese)
    assert english - shown_in_japanese == set(), "in README.md, not in README.ja.md"
    assert shown_in_japanese - english == set(), "in README.ja.md, not in README.md"
    first_two = [b.strip() for b in re.findall(r"```bash\n(.*?)```", japanese, flags=re.S)[:2]]
    assert first_two == [b.strip() for b in _blocks("bash")[:2]]
