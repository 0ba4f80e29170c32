"""`deepkiso check`: grade a learner's own functions, layers and nets against deepkiso's references.

A learner's .py files, notebooks or folders (as their IDE would import them),
or the live objects of their Jupyter kernel, are run in a separate process
with a time limit and a memory limit; the names the checker knows
(``Affine``, ``softmax``, ``TwoLayerNet``, … under their common spellings) are
found and each gets a battery of checks, one line per check, each naming its
course exercise (2_1 – 2_18). A failure says what was expected, what was
received and the likely cause; a crash points at the learner's own line.

    report = check_file("my_2_14.py")          # or check_file(["common", "ch05/two_layer_net.py"])
    print(format_text(report))
    report.exit_code  # 0 when every check passed
    check(Affine)                             # in a notebook: the kernel's Affine, as it is now

``%load_ext deepkiso.check`` adds the ``%check`` magic to IPython.
"""

from deepkiso.check.live import check, load_ipython_extension
from deepkiso.check.registry import Check, all_checks, select
from deepkiso.check.report import FAIL, NOTE, PASS, SKIP, Report, Result, format_json, format_text
from deepkiso.check.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, check_file

__all__ = [
    "check",
    "check_file",
    "load_ipython_extension",
    "Report",
    "Result",
    "Check",
    "all_checks",
    "select",
    "format_text",
    "format_json",
    "PASS",
    "FAIL",
    "NOTE",
    "SKIP",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MEMORY_MB",
]
