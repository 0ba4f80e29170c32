"""The sample report in the README is what `deepkiso check` prints today for the file shown above it."""

import re
from pathlib import Path

import pytest

from deepkiso.check import check_file, format_text

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    for path in (ROOT / "README.md", ROOT / "docs" / "readme_check.md"):
        if path.exists() and "$ deepkiso check my_layers.py" in path.read_text(encoding="utf-8"):
            return path.read_text(encoding="utf-8")
    pytest.skip("no README section with the sample report")


def test_the_sample_report_is_a_real_run(tmp_path):
    text = _section()
    source, shown = re.search(r"```python\n(.*?)```\s*```text\n\$ deepkiso check my_layers.py\n(.*?)\$ echo",
                              text, flags=re.S).groups()
    path = tmp_path / "my_layers.py"
    path.write_text(source, encoding="utf-8")
    report = check_file(path)
    report.path = "my_layers.py"
    assert format_text(report) + "\n" == shown
    assert report.exit_code == 1
