import argparse
import math

import pytest

from deepkiso.cli import build_parser, main
from deepkiso.commands._options import Integer, Number


def _options():
    """(argv prefix, option string, its type) for every option of every command that takes a value."""
    found = []

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*prefix, name])
            elif action.option_strings and action.nargs != 0:
                found.append((prefix, action.option_strings[-1], action))

    walk(build_parser(), [])
    return found


BOUNDED = [
    (prefix, option, action.type)
    for prefix, option, action in _options()
    if isinstance(action.type, (Integer, Number))
]


def test_no_option_takes_an_unbounded_int_or_float():
    raw = [
        (" ".join(prefix), option)
        for prefix, option, action in _options()
        if action.type in (int, float)
    ]
    assert raw == []
    assert len(BOUNDED) > 40


@pytest.mark.parametrize(
    ("prefix", "option", "bounds"), BOUNDED, ids=[f"{' '.join(p)} {o}" for p, o, _ in BOUNDED]
)
def test_every_bounded_option_states_its_range_and_refuses_values_outside(
    capsys, prefix, option, bounds
):
    assert main([*prefix, "--help"]) == 0
    assert str(bounds) in " ".join(capsys.readouterr().out.split())
    step = 1 if isinstance(bounds, Integer) else abs(bounds.high) * 1e-3 + 1e-3
    for bad in (bounds.low - step, bounds.high + step, "nan", "inf", "-inf", "x"):
        if bad == bounds.low - step and isinstance(bounds, Number) and bounds.low_open:
            bad = bounds.low
        assert main([*prefix, option, str(bad)]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and f"argument {option}: expected " in err[0], (bad, err)


def test_integer_takes_decimal_integers_within_its_bounds():
    dpi = Integer(20, 600)
    assert dpi("20") == 20 and dpi(" 600 ") == 600
    for bad in ("19", "601", "2.5", "0x20", "1e2", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="expected an integer from 20 to 600"):
            dpi(bad)


def test_number_refuses_nan_inf_and_its_open_end():
    rate = Number(0, 100, low_open=True)
    assert rate("1e-9") == 1e-9 and rate("100") == 100
    for bad in ("0", "nan", "inf", "-inf", "100.5", "abc"):
        with pytest.raises(argparse.ArgumentTypeError, match="expected a number above 0 up to 100"):
            rate(bad)
    assert Number(-1, 1)("-1") == -1 and str(Number(-1, 1)) == "from -1 to 1"
    assert not math.isnan(Number(0, 1)("0"))


def test_a_net_too_large_for_memory_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--model",
                "mlp",
                "--hidden",
                "4096",
                "4096",
                "4096",
                "--batch-size",
                "60000",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "deepkiso train: error: a 64-4096-4096-4096-10 net with batch size 60000 needs about 11.6 GB to "
        "train; the limit is 2 GB: use fewer or smaller --hidden layers or a smaller batch size"
    ]
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--model", "mlp", "--hidden", *["8"] * 11],
        ["experiment", "batch-size", "--seeds", "101"],
        ["experiment", "batch-size", "--batch-schedule", "32:999,64:2"],
        ["numdiff", "--sizes", *["2"] * 9],
    ],
)
def test_too_many_values_or_too_much_work_is_one_line(tmp_path, capsys, argv):
    assert (
        main(
            [
                *argv,
                "--out",
                str(tmp_path / "out.png" if argv[0] == "numdiff" else tmp_path / "out"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "error:" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_scheduler_address_that_dask_cannot_use_is_one_line(capsys):
    for address in ("inproc://x", "tcp://host", "tcp://host:99999", "http://h:1"):
        assert main(["experiment", "batch-size", "--scheduler", address]) == 2
        err = capsys.readouterr().err.splitlines()
        assert (
            len(err) == 1
            and "expected a Dask scheduler address such as tcp://10.0.0.5:8786" in err[0]
        )


def test_check_timeout_inf_is_one_line(tmp_path, capsys):
    learner = tmp_path / "mine.py"
    learner.write_text("x = 1\n")
    assert main(["check", str(learner), "--timeout", "inf"]) == 2
    assert capsys.readouterr().err == (
        "deepkiso check: error: argument --timeout: expected a number above 0 up to "
        "3600, got inf (see deepkiso check --help)\n"
    )
