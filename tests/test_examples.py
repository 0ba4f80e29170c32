"""Every script in examples/ runs, so the docs cannot drift from the code."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def test_there_are_examples():
    assert SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_runs(script, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out_dir = tmp_path / "out" / "new"  # not there yet: a script that writes makes its OUTPUT_DIR
    done = subprocess.run(
        [sys.executable, str(script), str(out_dir)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for line in done.stdout.splitlines():
        if line.startswith("wrote "):
            written = Path(line.removeprefix("wrote "))
            assert written.parent == out_dir and written.stat().st_size > 0, line
