"""The sample report in the README is what `deepkiso check` prints today for the file shown above it."""

import re
from pathlib import Path

from deepkiso.check import check_file, format_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_sample_report_is_a_real_run(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    source, shown = re.search(r"```python\n((?:(?!```).)*?)```\s*```text\n\$ deepkiso check my_layers.py\n(.*?)\$ echo",
                              text, flags=re.S).groups()
    path = tmp_path / "my_layers.py"
    path.write_text(source, encoding="utf-8")
    report = check_file(path)
    report.path = "my_layers.py"
    assert format_text(report) + "\n" == shown
    assert report.exit_code == 1
