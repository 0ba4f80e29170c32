"""The commands in Japanese: every --help, error and summary line, argparse's own texts included."""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from deepkiso import i18n
from deepkiso.cli import ARGPARSE_TEXTS, _command_lines, main
from deepkiso.commands import _columns
from deepkiso.commands.experiment import DEFAULT_SAMPLERS
from deepkiso.data import SAMPLERS, available_datasets
from deepkiso.graph import EXAMPLES
from deepkiso.i18n import read_po, set_language
from deepkiso.landscape import OPTIMIZER_CHOICES, SURFACES
from deepkiso.layers import ACTIVATIONS
from deepkiso.nets import LOSSES, WEIGHT_INITS
from deepkiso.optimizers import OPTIMIZERS

LOCALE = Path(i18n.__file__).with_name("locale") / "ja"
LANGUAGE_VARIABLES = ("DEEPKISO_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def english_outside(monkeypatch):
    """Each test starts with no language set, and leaves none set behind (--lang sets it)."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    yield
    set_language(None)


# -- --help --------------------------------------------------------------------------------------

# The words of code a Japanese help keeps as they are: the values the options take, the names of
# data sets, layers and programs. Any other English word next to another one is a sentence left.
CODE_WORDS = {
    *available_datasets(),
    *ACTIVATIONS,
    *LOSSES,
    *OPTIMIZERS,
    *SAMPLERS,
    *DEFAULT_SAMPLERS,
    *SURFACES,
    *OPTIMIZER_CHOICES,
    *EXAMPLES,
    *WEIGHT_INITS,
    *(name for name, _help in _command_lines() or ()),
    "batch-size",
    "sampling",
    *[
        "epoch",
        "once",
        "never",
        "test",
        "train",
        "auto",
        "dot",
        "matplotlib",
        "sin",
        "exp",
        "log",
        "quadratic",
        "none",
        "linear",
        "sqrt",
    ],
    *["epochs", "updates", "square", "reciprocal", "sum", "mean", "deepkiso", "graph", "lr"],
}
# Option names, metavars, {choices}, file names, paths, URLs, formulas and numbers.
CODE_PATTERN = re.compile(
    r"(?<![\w-])--?[\w-]+(=\S*)?|\b[A-Z][A-Z0-9_]*\b|\{[^}]*\}|\S*[/.$<>=*\d]\S*|\[[^\]]*\]"
)
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*)+")


def english_left(text: str) -> list[str]:
    """Runs of two or more English words in text that are not all code words."""
    prose = CODE_PATTERN.sub(" ", text)
    return [
        run
        for run in ENGLISH_RUN.findall(prose)
        if any(word.lower() not in CODE_WORDS for word in run.split())
    ]


def translated_commands() -> list[str]:
    """Every command whose one-line help has a Japanese entry (a command whose texts another part of
    the work translates joins this list the moment its HELP has one)."""
    lines = _command_lines()
    assert lines is not None
    return [name for name, help_line in lines if help_line in i18n.catalog("ja")]


def help_text(capsys, *argv: str) -> str:
    assert main(["--lang", "ja", *argv, "--help"]) == 0
    return capsys.readouterr().out


def test_the_commands_of_this_part_are_all_translated():
    mine = {"evaluate", "experiment", "graph", "landscape", "numdiff", "predict", "train"}
    assert mine | {"vanishing", "why-not-accuracy"} <= set(translated_commands())


@pytest.mark.parametrize(
    "argv",
    [
        *([name] for name in translated_commands()),
        ["experiment", "batch-size"],
        ["experiment", "sampling"],
    ],
    ids=" ".join,
)
def test_every_help_in_japanese_has_no_english_sentence_left(capsys, argv):
    text = help_text(capsys, *argv)
    assert text.startswith("使い方: deepkiso")
    assert "オプション:" in text and "このヘルプを表示して終了します" in text
    assert english_left(text) == [], text


def test_the_command_list_in_japanese(capsys):
    assert main(["--lang", "ja", "--help"]) == 0
    text = capsys.readouterr().out
    assert "位置引数:" in text and "プログラムのバージョンを表示して終了します" in text
    assert "データセットでネットを学習します" in text  # train's HELP, read from the source


def test_the_english_detector_finds_english():
    assert english_left("  --epochs N  epochs to train in all, 1 から 10000 まで") == [
        "epochs to train in all"
    ]
    assert english_left("  --activation NAME  relu, sigmoid, tanh (既定: relu)") == []


def test_japanese_help_lines_fit_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = help_text(capsys, "train")
    assert max(_columns.text_width(line) for line in text.splitlines()) <= 80
    # The usage's continuation lines start under its first option, as in English.
    usage = text.split("\n\n")[0].splitlines()
    assert usage[1].index("[") == _columns.text_width(usage[0][: usage[0].index("[")])


def test_wrap_breaks_japanese_between_characters_but_not_before_punctuation():
    lines = _columns.wrap("学習率、0 より大きく 1e+30 以下 (既定: 最適化手法ごとの値)。", 12)
    assert all(_columns.text_width(line) <= 12 for line in lines)
    assert (
        "".join(lines).replace(" ", "") == "学習率、0より大きく1e+30以下(既定:最適化手法ごとの値)。"
    )
    assert not any(line.startswith(("、", "。", ")")) or line.endswith("(") for line in lines)


# -- errors --------------------------------------------------------------------------------------


def run_deepkiso(*argv: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "deepkiso", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean | env,
        check=False,
    )


def test_a_japanese_locale_gives_a_japanese_one_line_error():
    done = run_deepkiso("train", "--epochs", "0", LANG="ja_JP.UTF-8")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "deepkiso train: エラー: 引数 --epochs: 1 から 10000 までの整数を指定してください。"
        "指定された値は 0 です (deepkiso train --help を参照してください)"
    ]


def test_lang_en_overrides_deepkiso_lang_ja(capsys, monkeypatch):
    monkeypatch.setenv("DEEPKISO_LANG", "ja")
    assert main(["--lang", "en", "train", "--epochs", "0"]) == 2
    assert capsys.readouterr().err == (
        "deepkiso train: error: argument --epochs: expected an integer from 1 to 10000, got 0 "
        "(see deepkiso train --help)\n"
    )


def test_deepkiso_lang_ja_without_lang(capsys, monkeypatch):
    monkeypatch.setenv("DEEPKISO_LANG", "ja")
    assert main(["train", "--batch-size", "0"]) == 2
    assert "1 から 60000 までの整数を指定してください" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["evaluate"], "deepkiso evaluate: エラー: 次の引数が必要です: RUN_DIR"),
        (["train", "--hidden"], "引数 --hidden: 値が 1 つ以上必要です"),
        (["train", "--out"], "引数 --out: 値が 1 つ必要です"),
        (["train", "--bogus"], "deepkiso: エラー: 認識できない引数です: --bogus"),
        (["fly"], "引数 COMMAND: 選べない値です: 'fly' ('check', "),
        (["graph", "--renderer", "ink"], "選べない値です: 'ink' ('auto', 'dot', 'matplotlib' から"),
        (["train", "--dataset", "cifar"], "不明なデータセット 'cifar' です。"),
        (["train", "--lr", "0"], "0 より大きく 1e+30 以下の数を指定してください"),
        (
            ["graph", "x", "--set", "y=1"],
            "deepkiso graph: エラー: --set y: 'x' に変数 'y' はありません",
        ),
        (
            ["evaluate", "no-such-run"],
            "deepkiso evaluate: エラー: 実行フォルダ no-such-run がありません",
        ),
    ],
)
def test_usage_errors_in_japanese_are_one_line(capsys, argv, line):
    assert main(["--lang", "ja", *argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and line in err[0], err
    assert english_left(err[0]) == [], err[0]


def test_lang_is_taken_after_a_nested_command_too(capsys):
    assert main(["experiment", "batch-size", "--seeds", "0", "--lang", "ja"]) == 2
    assert capsys.readouterr().err == (
        "deepkiso experiment: エラー: --seeds N はシードの数で、1 から 100 までにしてください。"
        "指定された値は 0 です\n"
    )


def test_a_failed_job_and_out_of_memory_in_japanese(capsys, monkeypatch):
    import deepkiso.commands.landscape as landscape

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(landscape, "descend", no_memory)
    assert main(["--lang", "ja", "landscape", "--steps", "2", "--dpi", "20"]) == 1
    assert capsys.readouterr().err == (
        "deepkiso landscape: 失敗しました: メモリが足りません。サイズを小さくしてください "
        "(deepkiso landscape --help を参照)\n"
    )


# -- summaries -----------------------------------------------------------------------------------


def test_train_and_evaluate_print_japanese_summaries(tmp_path, capsys):
    run_dir = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the figure's glyphs are the plots' part of the work
        assert (
            main(["--lang", "ja", "train", "--epochs", "1", "--hidden", "4", "--out", str(run_dir)])
            == 0
        )
        captured = capsys.readouterr()
        out = captured.out.splitlines()
        assert re.fullmatch(
            r"エポック 1/1  損失 \d\.\d{4}  訓練正解率 0\.\d{4}  テスト損失 \d\.\d{4}  "
            r"テスト正解率 0\.\d{4}  \d+\.\d 秒",
            out[0],
        ), out
        assert out[1].startswith("完了: 1 エポック後のテスト正解率 0.")
        assert out[1].endswith(f"実行フォルダ {run_dir}、学習曲線 {run_dir / 'curves.png'}")
        assert (
            "学習: two-layer 64-4-10 (relu, softmax)、digits (訓練 1437 / テスト 360)、"
            "adam 学習率 0.001、バッチサイズ 32、1 エポック" in captured.err
        )

        assert main(["--lang", "ja", "train", "--resume", str(run_dir), "--quiet"]) == 0
        assert capsys.readouterr().out.startswith(
            f"学習することはありません: {run_dir} は 1 エポックすべてを終えています"
        )

        assert main(["--lang", "ja", "evaluate", str(run_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("digits test: 360 サンプル、正解率 0.")
    assert out[1].split() == ["クラス", "サンプル数", "正解数", "正解率", "最も多い誤り先"]
    # The numbers stand under their headings, the headings being two columns a character.
    heading_end = _columns.text_width(out[1][: out[1].index("正解数") + 3])
    assert [m.end() for m in re.finditer(r"\S+", out[2])][2] == heading_end
    assert out[-1] == f"図: {run_dir / 'confusion.png'}"


def test_landscape_and_numdiff_tables_in_japanese(tmp_path, capsys):
    out = tmp_path / "l.png"
    argv = ["landscape", "--steps", "3", "--dpi", "20", "--out", str(out)]
    assert main(["--lang", "ja", *argv]) == 0
    captured = capsys.readouterr()
    heading, *rows = captured.out.splitlines()[1:]
    assert heading.split()[:3] == ["最適化手法", "学習率", "開始点"] and "終点の種類" in heading
    assert rows and all(row.endswith(("下降中", "鞍点", "極小点", "プラトー")) for row in rows)
    # The end point's column ends under its heading.
    end = _columns.text_width(heading[: heading.index("終点 ") + 2])
    assert all(row.index(")", row.index(")") + 1) + 1 == end for row in rows), captured.out
    assert captured.err.strip() == f"{out} を書き出しました"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the figure's glyphs are the plots' part of the work
        argv = ["numdiff", "--no-timing", "--dpi", "20", "--out", str(tmp_path / "n.png")]
        assert main(["--lang", "ja", *argv]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "f(x) = sin x の x = 1 での df/dx の相対誤差"
    assert lines[1].split() == ["h", "前進差分", "float32", "前進差分", "float64"] + [
        "中心差分",
        "float32",
        "中心差分",
        "float64",
    ]
    assert lines[-1].startswith("最良の h ")


# -- argparse's own texts ------------------------------------------------------------------------


def test_argparse_po_holds_argparse_texts_with_their_placeholders():
    entries = read_po((LOCALE / "argparse.po").read_text(encoding="utf-8"))
    assert set(entries) == set(ARGPARSE_TEXTS)
    percent = re.compile(r"%(?:\(\w+\))?[sr]")
    for text, japanese in entries.items():
        assert sorted(percent.findall(text)) == sorted(percent.findall(japanese)), text


def test_the_texts_a_learner_meets_are_argparse_own_in_this_python():
    """Each is a literal argparse passes to gettext: a typo here would leave it English."""
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    marked = {
        arg.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("_", "ngettext")
        for arg in node.args[:2]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    }
    newer = {  # added by Python 3.13 (or given as a default argument before it)
        " (default: %(default)s)",
        "%(heading)s:",
        "subcommands",
        "%(prog)s: warning: %(message)s\n",
        "show program's version number and exit",
    }
    if sys.version_info < (3, 11):
        newer |= {"argument %(argument_name)s: %(message)s"}
    assert set(ARGPARSE_TEXTS) - marked <= newer
    assert set(ARGPARSE_TEXTS) & newer <= marked | newer


def test_english_help_parses_no_catalog():
    code = (
        "import sys\nfrom deepkiso import i18n\nfrom deepkiso.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(i18n.catalog.cache_info().currsize, 'numpy' in sys.modules)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=clean
    )
    assert done.stdout.splitlines()[-1] == "0 False", done.stderr
    done = subprocess.run(
        [sys.executable, "-c", code.replace("['--help']", "['--lang', 'ja', '--help']")],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean,
    )
    assert done.stdout.splitlines()[-1] == "1 False", done.stderr  # parsed once, still no NumPy


def test_the_list_of_graph_examples_in_japanese(capsys):
    import inspect

    from deepkiso.commands.graph import EXAMPLE_LINES

    firsts = [inspect.getdoc(build).splitlines()[0] for build in EXAMPLES.values()]
    assert firsts == EXAMPLE_LINES  # the marked copies are the docstrings' own lines
    assert main(["--lang", "ja", "graph", "--list-examples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(EXAMPLES) and lines[0].startswith("chain_rule               連鎖律")
    assert all(english_left(line.split(maxsplit=1)[1]) == [] for line in lines), lines
