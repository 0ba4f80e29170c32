"""`deepkiso check` in Japanese: the labels, verdicts, summary and causes, and no English sentence left.

The language comes from --lang, else $DEEPKISO_LANG, else the locale (deepkiso.i18n); the checking
process speaks it too (it gets $DEEPKISO_LANG, also in the --isolate sandbox). Each test runs the
real command line in a fresh process, so that the language chosen never leaks into other tests.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from deepkiso.check.isolation import isolation_available

CORPUS = Path(__file__).resolve().parent / "corpus"
SRC = Path(__file__).resolve().parents[2] / "src"
CORRECT = "grade_gradcheck_ok"  # every check passes
BUGGY = "grade_ch5_db_not_summed"  # db not summed over the batch: Affine and TwoLayerNet fail
LANGUAGE_VARIABLES = ("DEEPKISO_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def _deepkiso(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`deepkiso ARGS` in cwd, with no language set in the environment but env's."""
    environment = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}
    environment["PYTHONPATH"] = os.pathsep.join([str(SRC), environment.get("PYTHONPATH", "")])
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "deepkiso", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _case(name: str) -> tuple[Path, list[str]]:
    """A corpus case's folder and the arguments that check it (its files, then its options)."""
    spec = json.loads((CORPUS / name / "expected.json").read_text(encoding="utf-8"))
    return CORPUS / name, [*spec["check"], *spec.get("args", [])]


def _check(name: str, *options: str, **env: str) -> subprocess.CompletedProcess:
    folder, args = _case(name)
    return _deepkiso("check", *args, *options, cwd=folder, **env)


# --- (a) the report's own words ------------------------------------------------------------------


def test_a_failing_file_in_japanese_has_japanese_labels_verdicts_and_summary():
    done = _check(BUGGY, "--lang", "ja")
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert re.search(r"^Affine \(\d+ 行目\)  演習 2_14$", out, re.M), out
    assert re.search(r"^  不合格  \[2_14\]  ", out, re.M)
    assert re.search(r"^  合格    \[2_7\]   ", out, re.M)  # the words padded to one column
    assert re.search(r"^  注意    \[", out, re.M)
    assert re.search(r"^ {15}期待値: ", out, re.M)
    assert re.search(r"^ {15}実際の値: ", out, re.M)
    assert re.search(r"^ {15}考えられる原因: ", out, re.M)
    assert re.search(
        r"^ {15}あなたのコード: \S*two_layer_net\.py, \d+ 行目: self\.db = dout$", out, re.M
    )
    assert re.search(r"^ {15}不合格ではなく注意である理由: ", out, re.M)
    assert "\n採点しなかったもの:\n" in out
    assert re.search(
        r"^不合格のチェックがあります: 合格 \d+、不合格 \d+、注意 \d+、未採点 \d+$", out, re.M
    )
    for english in (
        "  PASS  ",
        "  FAIL  ",
        "  NOTE  ",
        "likely cause:",
        "your code:",
        "  exercise 2_",
    ):
        assert english not in out
    assert "some checks failed" not in out and "not graded:" not in out


def test_a_correct_file_in_japanese_says_every_check_passed():
    done = _check(CORRECT, "--lang", "ja")
    assert done.returncode == 0, done.stderr
    last = done.stdout.rstrip().splitlines()[-1]
    assert re.fullmatch(
        r"すべてのチェックに合格しました: 合格 \d+、不合格 0、注意 \d+、未採点 \d+", last
    )
    assert "  合格  " in done.stdout and "PASS" not in done.stdout


def test_the_same_file_in_english_is_as_before():
    done = _check(BUGGY, "--lang", "en")
    assert done.returncode == 1
    assert "  FAIL  [2_14]  backward: db = dout summed over the batch\n" in done.stdout
    assert "\nnot graded:\n" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("some checks failed: ")


def test_the_json_report_keeps_its_keys_ids_and_statuses_in_japanese():
    english = json.loads(_check(BUGGY, "--json", "--lang", "en").stdout)
    japanese = json.loads(_check(BUGGY, "--json", "--lang", "ja").stdout)
    assert japanese.keys() == english.keys()
    assert japanese["counts"] == english["counts"]
    assert japanese["missing"] == english["missing"]
    assert japanese["found"].keys() == english["found"].keys()
    pairs = list(zip(english["results"], japanese["results"], strict=True))
    for en, ja in pairs:
        assert ja.keys() == en.keys()
        for key in ("id", "subject", "status", "exercise", "learner_name"):
            assert ja[key] == en[key]
    # The human texts follow the language: a verdict's location and the names' places say 行目.
    located = [ja["location"] for _en, ja in pairs if ja["location"]]
    assert located and all(" 行目: " in where for where in located)
    assert all("行目" in where for where in japanese["found"].values())


def test_usage_mistakes_and_help_are_japanese(tmp_path):
    done = _deepkiso("check", "--lang", "ja", str(tmp_path / "missing.py"), cwd=tmp_path)
    assert done.returncode == 2
    assert "そのようなファイルもフォルダもありません" in done.stderr
    done = _deepkiso("check", "--lang", "ja", "--only", "Afine", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    done = _deepkiso("check", "--lang", "ja", "--help", cwd=tmp_path)
    assert "あなたの .py ファイル、.ipynb ノートブック、フォルダ" in done.stdout
    assert "信頼できないコード向け" in done.stdout


def test_loading_problems_are_japanese(tmp_path):
    (tmp_path / "broken.py").write_text("def relu(x)\n    return x\n", encoding="utf-8")
    (tmp_path / "todo.py").write_text(
        "def relu(x):\n    raise NotImplementedError\n", encoding="utf-8"
    )
    done = _deepkiso("check", "--lang", "ja", "broken.py", cwd=tmp_path)
    assert "ファイルのどこも実行できませんでした。まずこの行を直してください。" in done.stdout
    assert "broken.py の import" in done.stdout
    done = _deepkiso("check", "--lang", "ja", "todo.py", cwd=tmp_path)
    assert "まだ実装されていません (raise NotImplementedError)" in done.stdout
    assert "`raise NotImplementedError` をあなたのコードに置き換えてください。" in done.stdout


# --- (c) where the language comes from, and that the checking process speaks it ------------------

BROKEN = "def relu(x)\n    return x\n"
# The checking process itself writes this title (with the file's name in it, so that no catalog
# entry could translate it later, in the grader).
BROKEN_JA = "broken.py の import"
BROKEN_EN = "importing broken.py"


@pytest.mark.parametrize(
    "env",
    [{"DEEPKISO_LANG": "ja"}, {"LANG": "ja_JP.UTF-8"}, {"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}],
    ids=["DEEPKISO_LANG", "LANG", "LC_ALL"],
)
def test_the_environment_gives_japanese(tmp_path, env):
    (tmp_path / "broken.py").write_text(BROKEN, encoding="utf-8")
    done = _deepkiso("check", "broken.py", cwd=tmp_path, **env)
    assert BROKEN_JA in done.stdout
    assert done.stdout.rstrip().endswith("未採点 0")


@pytest.mark.parametrize(
    "env",
    [
        {"DEEPKISO_LANG": "ja"},
        {"LANG": "ja_JP.UTF-8"},
        {"DEEPKISO_LANG": "ja", "LANG": "ja_JP.UTF-8"},
    ],
    ids=["DEEPKISO_LANG", "LANG", "both"],
)
def test_lang_en_overrides_the_environment(tmp_path, env):
    (tmp_path / "broken.py").write_text(BROKEN, encoding="utf-8")
    done = _deepkiso("check", "--lang", "en", "broken.py", cwd=tmp_path, **env)
    assert BROKEN_EN in done.stdout
    assert done.stdout.rstrip().endswith("0 skipped")
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", done.stdout)


@pytest.mark.parametrize(
    "isolate",
    [
        False,
        pytest.param(
            True,
            marks=pytest.mark.skipif(not isolation_available(), reason="no sandbox tool here"),
        ),
    ],
    ids=["forked", "isolate"],
)
@pytest.mark.parametrize("lang, env", [("ja", {"LANG": "C"}), ("en", {"LANG": "ja_JP.UTF-8"})])
def test_the_checking_process_speaks_the_graders_language(tmp_path, isolate, lang, env):
    """The worker (forked, or exec'd in the sandbox with a scrubbed environment) gets $DEEPKISO_LANG."""
    (tmp_path / "broken.py").write_text(BROKEN, encoding="utf-8")
    options = ["--isolate"] if isolate else []
    done = _deepkiso("check", "--lang", lang, *options, "broken.py", cwd=tmp_path, **env)
    assert (BROKEN_JA if lang == "ja" else BROKEN_EN) in done.stdout, done.stdout + done.stderr


# --- (b) no English sentence left in a Japanese report, apart from code --------------------------

# What is code, or a name, and stays as it is in both languages: removed before looking for English.
_CODE = [
    re.compile(r"(?<=行目: ).*$"),  # the learner's source line after a location
    re.compile(
        r"\b[A-Z]\w*(?:Error|Exception|Warning|Interrupt|Exit)\b:?.*$"
    ),  # Python's own message
    re.compile(r"`[^`]*`"),  # `code`
    re.compile(r"'[^']*'|\"[^\"]*\""),  # 'Affine.backward_db', quoted names
    re.compile(r"\S*[/\\]\S*|\S+\.(?:py|ipynb|json|csv)\b"),  # paths, files
    re.compile(r"--[\w-]+"),  # options
    re.compile(r"%%?\w+"),  # IPython magics
    re.compile(r"\b[A-Za-z_][\w.]*\([^()]*\)"),  # calls: forward(x), np.sum(dout, axis=0)
    re.compile(r"\b\w*[_\d]\w*\b"),  # identifiers with _ or digits: dout_copy, W1, 2_14, 1e-7
    re.compile(r"\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z]+[A-Z]\w*\b"),  # camelCase, CamelCase: TwoLayerNet
    re.compile(r"\b\w+(?:\.\w+)+\b"),  # dotted names: x.shape, np.random
    re.compile(r"\[[^\]]*\]|\([\d\s,.…-]*\)"),  # arrays, shapes
]
# A run of three English words (of two letters or more) joined by plain spaces: a sentence left.
_ENGLISH_RUN = re.compile(r"\b[A-Za-z][A-Za-z'-]+(?: [A-Za-z][A-Za-z'-]+){2,}\b")


def english_left(report: str) -> list[str]:
    """The lines of a Japanese report that still hold three English words in a row, code set aside."""
    lines = report.splitlines()[1:]  # the first repeats the command line
    left = []
    for line in lines:
        text = line
        for pattern in _CODE:
            text = pattern.sub(" ", text)
        if _ENGLISH_RUN.search(text):
            left.append(line.strip())
    return left


def test_english_left_finds_sentences_and_passes_code():
    assert english_left("x\n  注意    [2_7]   a batch of integer labels") == [
        "注意    [2_7]   a batch of integer labels"
    ]
    code_only = (
        "x\n"
        "Affine (two_layer_net.py, 22 行目)  演習 2_14\n"
        "               あなたのコード: two_layer_net.py, 38 行目: self.db = dout if x is None else y\n"
        "               raised ValueError: operands could not be broadcast together\n"
        "  合格    [2_14]  backward: dx = dout · Wᵀ を数値微分と照合\n"
        "               考えられる原因: `raise NotImplementedError` を np.sum(dout, axis=0) に\n"
        "合格 3、不合格 0、注意 0、未採点 0"
    )
    assert english_left(code_only) == []


# The corpus cases whose Japanese report is read line by line: the correct and buggy cases above,
# and cases whose reports hold the loading problems, the names' notes and the skips.
_CASES = [
    CORRECT,
    BUGGY,
    "grade_typos",
    "grade_signature_uncallable",
    "grade_forward_only_layers",
    "grade_affine_own_call_shape",
    "grade_cross_entropy_t_y",
    "load_error_in_imported_file",
    "load_nb_training_cells",
    "load_nb_missing_dataset",
    "load_nb_shadowed_by_import",
    "load_several_files",
    "grade_samplers_both",
    "grade_sgd_uphill",
    "grade_train_loop",
    "grade_nb_samplers",
]


@functools.cache
def _japanese(case: str) -> tuple[str, dict]:
    """The case's Japanese report, as text and as JSON (one run: --json FILE prints the text too)."""
    path = Path(tempfile.mkdtemp(prefix="deepkiso-ja-")) / "report.json"
    try:
        done = _check(case, "--lang", "ja", "--json", str(path))
        assert done.returncode in (0, 1), done.stderr
        return done.stdout, json.loads(path.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@pytest.mark.parametrize("case", _CASES)
def test_a_japanese_report_has_no_english_sentence_left(case):
    left = english_left(_japanese(case)[0])
    assert not left, f"{len(left)} lines with English: " + " | ".join(left[:10])


@pytest.mark.parametrize("case", _CASES)
def test_the_reports_own_lines_have_no_english_left(case):
    """What this report's own code writes (not the checks' texts): headings, labels, loading problems, notes."""
    text, report = _japanese(case)
    summary = text.rstrip().splitlines()[-1]
    headings = [line for line in text.splitlines()[1:] if line and not line.startswith(" ")]
    assert english_left("\n".join(["x", summary, *headings])) == []
    for one in report if isinstance(report, list) else [report]:
        own = [
            r
            for r in one["results"]
            if r["id"] in ("import", "names", "memory", "protocol", "stopped")
            or r["id"].endswith(".conventions")
        ]
        lines = "x\n" + "\n".join(
            f"{r['title']}\n{r['message']}\n{r['cause']}\n{r['location']}" for r in own
        )
        lines += "\n" + "\n".join(one["found"].values())
        assert english_left(lines) == []


# --- the formatting itself, in this process (the language from the environment, put back after) --


@pytest.fixture
def japanese(monkeypatch):
    from deepkiso import i18n

    monkeypatch.setattr(i18n, "_chosen", None)
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEEPKISO_LANG", "ja")


def _made_report():
    from deepkiso.check import FAIL, NOTE, PASS, SKIP, Report, Result
    from deepkiso.check.report import not_graded, skipped_because

    return Report(
        path="my.py",
        timeout=10.0,
        memory_mb=2048,
        found={"Affine": "cell In[3], line 1"},
        results=[
            Result("Affine.a", "Affine", "first", PASS, exercise="2_14"),
            Result(
                "Affine.b",
                "Affine",
                "second",
                FAIL,
                exercise="2_14",
                message="raised ValueError: bad",
                location="my.py, line 3: y = x @ W",
                cause="a loop that never ends (or work far too slow for the small arrays the check uses)",
            ),
            Result(
                "Affine.c",
                "Affine",
                "the remaining checks",  # an English title that the catalog knows
                NOTE,
                exercise="2_14",
                message="no 1-D",
                note_reason="not asked",
            ),
            Result(
                "relu.a",
                "relu",
                "values",
                SKIP,
                exercise="2_12",
                message=skipped_because("they need 'forward' to run"),
            ),
            Result(
                "relu.b",
                "relu",
                "batch",
                SKIP,
                exercise="2_12",
                message="skipped because they need 'forward' to run",  # an English worker's
            ),
            Result("Tanh.a", "Tanh", "x", SKIP, exercise="2_12", message=not_graded("no forward")),
        ],
    )


def test_the_text_report_in_japanese_folds_skips_and_translates_marked_texts(japanese):
    from deepkiso.check import format_text

    text = format_text(_made_report())
    assert "Affine (セル In[3], 1 行目)  演習 2_14\n" in text
    assert "  不合格  [2_14]  second\n" in text
    assert "あなたのコード: my.py, 3 行目: y = x @ W\n" in text
    assert "考えられる原因: ループが終わらないか、" in text  # a cause the check module marked
    assert "  注意    [2_14]  残りのチェック\n" in text  # a title the check module marked
    assert "不合格ではなく注意である理由: not asked" in text
    # Folded in one line, whether the checking process said it in Japanese or in English.
    assert "  未採点  2 件のチェック: they need 'forward' to run\n" in text
    assert "\n採点しなかったもの:\n  Tanh: no forward\n" in text
    assert text.endswith("\n不合格のチェックがあります: 合格 1、不合格 1、注意 1、未採点 3")


def test_the_html_report_in_japanese_colours_the_japanese_verdicts(japanese):
    from deepkiso.check.report import format_html

    page = format_html(_made_report())
    assert '<b style="color:#cf222e">不合格</b>  [2_14]  second' in page
    assert '<b style="color:#1a7f37">合格</b>    [2_14]  first' in page
    assert "<b>不合格のチェックがあります: " in page


def test_the_json_report_in_japanese_translates_texts_and_keeps_statuses(japanese):
    from deepkiso.check import format_json

    data = json.loads(format_json(_made_report()))
    assert data["found"] == {"Affine": "セル In[3], 1 行目"}
    assert [r["status"] for r in data["results"]] == [
        "pass",
        "fail",
        "note",
        "skip",
        "skip",
        "skip",
    ]
    assert data["results"][2]["title"] == "残りのチェック"
    assert data["results"][1]["location"] == "my.py, 3 行目: y = x @ W"
    assert data["results"][4]["message"] == "飛ばしました: they need 'forward' to run"
    assert data["results"][5]["message"] == "採点しません: no forward"
