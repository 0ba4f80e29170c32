"""Fuzzing every command's argument list: whatever a user types, the answer is an exit code of 0, 1 or 2 and
at most one line of error, never a traceback.

Each command starts from a tiny valid call (so a run that gets through takes milliseconds) and Hypothesis
adds, replaces or drops options, with values drawn from the command's own option names, numbers at and
past every bound, NaN and inf, and paths that cannot be written. tools/fuzz.py runs thousands more.
"""

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepkiso.cli import build_parser, main

# The smallest call of each command that does real work; {run}, {learner}, {image} and {tmp} are filled in.
BASES = {
    "check": ["check", "{learner}", "--only", "softmax"],
    "evaluate": ["evaluate", "{run}", "--chunk-size", "100"],
    "experiment batch-size": [
        "experiment",
        "batch-size",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--batch-sizes",
        "256",
        "--hidden",
        "2",
        "--out",
        "{tmp}/sweep",
    ],
    "experiment sampling": [
        "experiment",
        "sampling",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--samplers",
        "shuffle",
        "--batch-size",
        "256",
        "--hidden",
        "2",
        "--out",
        "{tmp}/sweep",
    ],
    "graph": ["graph", "x * y + 1", "--set", "x=1", "y=2"],
    "landscape": ["landscape", "--steps", "2", "--dpi", "20", "--out", "{tmp}/l.png"],
    "local-minimum": [
        "local-minimum",
        "--runs",
        "1",
        "--steps",
        "2",
        "--dpi",
        "20",
        "--out",
        "{tmp}/t.png",
    ],
    "minibatch-objective": [
        "minibatch-objective",
        "--samples",
        "4",
        "--batch-size",
        "2",
        "--dpi",
        "20",
        "--out",
        "{tmp}/m.png",
    ],
    "notebooks": ["notebooks", "{tmp}/notebooks"],
    "numdiff": ["numdiff", "--no-timing", "--dpi", "20", "--out", "{tmp}/n.png"],
    "predict": ["predict", "{run}", "{image}"],
    "train": [
        "train",
        "--epochs",
        "1",
        "--hidden",
        "2",
        "--batch-size",
        "256",
        "--quiet",
        "--out",
        "{tmp}/run",
    ],
    "vanishing": [
        "vanishing",
        "--layers",
        "1",
        "--width",
        "2",
        "--dpi",
        "20",
        "--out",
        "{tmp}/v.png",
    ],
    "why-not-accuracy": [
        "why-not-accuracy",
        "--samples",
        "5",
        "--hidden",
        "2",
        "--train-steps",
        "1",
        "--points",
        "3",
        "--dpi",
        "20",
        "--out",
        "{tmp}/w.png",
    ],
}

# Small valid numbers (so the runs stay tiny), every kind of invalid one, and awkward names and paths.
VALUES = [
    "0",
    "1",
    "2",
    "3",
    "-1",
    "0.5",
    "1e-320",
    "1e309",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "2.5",
    "0x10",
    "",
    " ",
    "x",
    "é",
    "-",
    "1,2",
    "1,2;3,4",
    "x=1",
    "he",
    "relu",
    "mlp",
    "sgd",
    "digits",
    "sine",
    "shuffle",
    "epoch",
    "{tmp}/out.png",
    "{tmp}/out.svg",
    "{tmp}/out.jpg",
    "{tmp}/out.gif",
    "{tmp}/out.dot",
    "{tmp}/dir",
    "{file}/under-a-file.png",
    "/proc/deepkiso.png",
    "{tmp}/" + "a" * 300 + ".png",
    "{run}",
    "{image}",
    "{learner}",
    "/dev/null",
    "/nonexistent/x",
]


def _options(argv_prefix: list[str]) -> list[str]:
    """The option strings of the (sub-)command named by argv_prefix, taken from the parser itself."""
    parser = build_parser()
    for name in argv_prefix:
        parser = next(
            a for a in parser._actions if hasattr(a, "choices") and isinstance(a.choices, dict)
        ).choices[name]
    return sorted(
        s for action in parser._actions for s in action.option_strings if s not in ("-h", "--help")
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A trained tiny run, a learner's file, an 8x8 image and a plain file, shared read-only by the examples."""
    root = tmp_path_factory.mktemp("fuzz")
    assert (
        main(["train", "--out", str(root / "run"), "--hidden", "2", "--epochs", "1", "--quiet"])
        == 0
    )
    (root / "learner.py").write_text(
        "import numpy as np\n\ndef softmax(a):\n    e = np.exp(a - a.max())\n"
        "    return e / e.sum()\n"
    )
    np.save(root / "image.npy", np.zeros((8, 8), dtype=np.float32))
    (root / "a-file").write_text("")
    return root


def _fill(argv: list[str], inputs: Path, tmp: Path) -> list[str]:
    names = {
        "run": tmp / "run",
        "learner": inputs / "learner.py",
        "image": inputs / "image.npy",
        "tmp": tmp,
        "file": inputs / "a-file",
    }
    return [arg.format(**names) for arg in argv]


def _edits(options: list[str]):
    """Lists of (option, value or None for a flag) to add to the base call, plus how many base words to drop."""
    pair = st.tuples(st.sampled_from(options), st.one_of(st.none(), st.sampled_from(VALUES)))
    return st.tuples(st.lists(pair, max_size=3), st.sampled_from([0, 0, 0, 1, 2]))


# Examples per command, about 180 in all: fewer where a run that gets through trains or starts a process.
EXAMPLES = {
    "check": 8,
    "experiment batch-size": 6,
    "experiment sampling": 6,
    "landscape": 15,
    "local-minimum": 15,
    "minibatch-objective": 15,
    "numdiff": 15,
    "vanishing": 15,
    "why-not-accuracy": 15,
}


@pytest.mark.parametrize("command", BASES)
def test_no_argument_list_gives_a_traceback(command, inputs, tmp_path, monkeypatch, capsys):
    base = BASES[command]
    options = _options(command.split())
    monkeypatch.chdir(
        tmp_path
    )  # default outputs (runs/, landscape.png, …) land in the test's folder

    @settings(
        max_examples=EXAMPLES.get(command, 25),
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_edits(options))
    def check(edits):
        pairs, n_dropped = edits
        tmp = Path(tempfile.mkdtemp(dir=tmp_path))
        shutil.copytree(inputs / "run", tmp / "run")  # train --resume/--force may change it
        argv = base[: len(base) - n_dropped] if n_dropped else list(base)
        for option, value in pairs:
            argv += [option] if value is None else [option, value]
        argv = _fill(argv, inputs, tmp)
        code = main(argv)
        err = capsys.readouterr().err
        assert code in (0, 1, 2), (argv, code, err)
        assert "Traceback" not in err, (argv, err)
        if (
            code and err.strip()
        ):  # (a failed check exits 1 with its report on stdout and nothing on stderr)
            last = err.strip().splitlines()[-1]
            assert last.startswith("deepkiso") and (": error: " in last or ": failed: " in last), (
                argv,
                err,
            )
        shutil.rmtree(tmp)

    check()
