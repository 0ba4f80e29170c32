"""RunSettings (commands/_run_settings.py): settings.json as a frozen dataclass, and how train's
command line becomes one (its defaults, its one-line refusals, what --resume lets through)."""

import argparse
import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from deepkiso.cli import build_parser, main
from deepkiso.commands import _runs
from deepkiso.commands._options import record_given_options
from deepkiso.commands._run_settings import RunSettings
from deepkiso.nets import TwoLayerNet

RUN_TODAY = Path(__file__).resolve().parent / "fixtures" / "run_today"


def _settings_json(data) -> str:
    """settings.json's bytes for data, as _runs.write_settings writes them."""
    return json.dumps(data, indent=2) + "\n"


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_settings_json_of_today_reads_and_writes_back_to_the_same_bytes():
    text = (RUN_TODAY / "settings.json").read_text()
    settings = RunSettings.from_dict(json.loads(text))
    assert settings.hidden == (4,) and settings.lr == 0.001 and settings.blas_threads == 2
    assert settings.layer_sizes == [64, 4, 10]
    assert _settings_json(settings.to_dict()) == text


def test_to_dict_and_from_dict_are_inverses():
    data = json.loads((RUN_TODAY / "settings.json").read_text())
    settings = dataclasses.replace(
        RunSettings.from_dict(data),
        model="mlp",
        hidden=(8, 6),
        weight_init=0.05,
        sampler="sequential",
        shuffle_every=None,
        data_dir="elsewhere",
        blas_threads=None,
    )
    round_trip = RunSettings.from_dict(json.loads(json.dumps(settings.to_dict())))
    assert round_trip == settings
    assert list(round_trip.to_dict()) == list(data)  # the same keys, in settings.json's order


def test_from_dict_takes_an_old_file_without_its_optional_fields_and_ignores_unknown_ones():
    data = json.loads((RUN_TODAY / "settings.json").read_text())
    for key in ("data_dir", "deepkiso_version", "started", "blas_threads"):
        del data[key]
    settings = RunSettings.from_dict({**data, "comment": "a key a later deepkiso may add"})
    assert settings.data_dir is settings.started is settings.blas_threads is None
    assert "comment" not in settings.to_dict()


def test_from_dict_names_every_missing_field_and_the_first_wrong_one():
    data = json.loads((RUN_TODAY / "settings.json").read_text())
    with pytest.raises(ValueError, match=r"^missing epochs, seed$"):
        RunSettings.from_dict({k: v for k, v in data.items() if k not in ("seed", "epochs")})
    with pytest.raises(ValueError, match=r'^"activation" must be one of relu, sigmoid, tanh, got'):
        RunSettings.from_dict({**data, "activation": ["relu"]})
    with pytest.raises(ValueError, match="expected a JSON object, got list"):
        RunSettings.from_dict([data])


def test_run_settings_are_frozen():
    settings = RunSettings.from_dict(json.loads((RUN_TODAY / "settings.json").read_text()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.seed = 1


# -- the command line --------------------------------------------------------------------------


def test_record_given_options_records_typed_options_in_order_and_never_a_default():
    parser = argparse.ArgumentParser()
    record_given_options(parser)
    group = parser.add_argument_group("g")
    group.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--hidden", nargs="+", type=int, default=[100])
    assert parser.parse_args([]).options_given == ()
    args = parser.parse_args(["--hidden", "100", "--seed", "0", "--quiet", "--seed", "0"])
    assert args.options_given == ("hidden", "seed", "quiet")
    assert (args.seed, args.quiet, args.hidden) == (0, True, [100])


def test_every_train_option_declares_its_default_in_its_help(capsys):
    assert main(["train", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for shown in (
        "(default: digits,",
        "(default: two-layer)",
        "(default: 100)",
        "(default: relu)",
        "(default: he)",
        "(default: adam)",
        "(default: 32)",
        "(default: shuffle)",
        "(default: epoch)",
        "(default: 0)",
        "(default: 1000)",
    ):
        assert shown in help_text, shown


def test_train_parses_to_the_declared_defaults():
    args = build_parser("train").parse_args(["train"])
    assert (args.dataset, args.model, args.hidden, args.activation, args.weight_init) == (
        "digits",
        "two-layer",
        [100],
        "relu",
        "he",
    )
    assert (args.optimizer, args.batch_size, args.sampler, args.shuffle_every) == (
        "adam",
        32,
        "shuffle",
        "epoch",
    )
    assert (args.seed, args.checkpoint_every, args.options_given) == (0, 1000, ())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "cnn"], "argument --model: unknown model 'cnn'; choose one of mlp, two-layer"),
        (["--activation", "gelu"], "argument --activation: unknown activation 'gelu'; choose"),
        (["--loss", "mse"], "argument --loss: unknown loss 'mse'; choose one of softmax, squared"),
        (["--weight-init", "big"], "argument --weight-init: expected he, xavier or a standard"),
        (["--shuffle-every", "sometimes"], "argument --shuffle-every: expected epoch, once, never"),
        (["--hidden", "0"], "argument --hidden: expected an integer from 1 to 4096, got 0"),
        (["--seed", "-1"], "argument --seed: expected an integer from 0 to 4294967295, got -1"),
        (["--checkpoint-every", "x"], "argument --checkpoint-every: expected an integer from 0"),
    ],
)
def test_a_bad_option_value_is_one_line_naming_the_option(
    tmp_path, monkeypatch, capsys, argv, message
):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *argv]) == 2
    line = one_error_line(capsys)
    assert line.startswith("deepkiso train: error: ") and message in line, line
    assert "Traceback" not in line and not (tmp_path / "runs").exists()


def test_shuffle_every_typed_at_its_default_is_still_refused_for_another_sampler(tmp_path, capsys):
    argv = ["train", "--sampler", "sequential", "--shuffle-every", "epoch", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "--shuffle-every applies to --sampler shuffle only" in one_error_line(capsys)


@pytest.mark.parametrize("fixed", [["--seed", "0"], ["--batch-size", "64"], ["--force"]])
def test_resume_refuses_a_fixed_option_even_at_the_value_the_run_has(tmp_path, capsys, fixed):
    run_dir = shutil.copytree(RUN_TODAY, tmp_path / "run")
    assert main(["train", "--resume", str(run_dir), *fixed, "--quiet"]) == 2
    line = one_error_line(capsys)
    assert "only --epochs, --checkpoint-every, --data-dir, --mirror, --threads and --quiet" in line
    assert line.endswith(f"got {fixed[0]}"), line


def test_resume_applies_the_options_that_may_change_and_keeps_the_rest(tmp_path, capsys):
    run_dir = shutil.copytree(RUN_TODAY, tmp_path / "run")
    before = json.loads((run_dir / "settings.json").read_text())
    argv = ["train", "--resume", str(run_dir), "--epochs", "3", "--checkpoint-every", "7"]
    assert main([*argv, "--quiet"]) == 0
    after = json.loads((run_dir / "settings.json").read_text())
    changed = {key for key in before if before[key] != after[key]}
    assert changed <= {"epochs", "checkpoint_every", "blas_threads"}
    assert (after["epochs"], after["checkpoint_every"]) == (3, 7)
    assert list(after) == list(before)


def test_a_run_draws_its_weights_and_batches_from_the_streams_it_always_has():
    # The k-th child of SeedSequence(seed).spawn(2): 0 the initial weights, 1 the sampler.
    settings = RunSettings.from_dict(json.loads((RUN_TODAY / "settings.json").read_text()))
    settings = dataclasses.replace(settings, seed=12345)
    net_rng, sampler_rng = _runs.run_rngs(settings.seed)
    children = np.random.SeedSequence(12345).spawn(2)
    assert net_rng.random(3).tolist() == np.random.default_rng(children[0]).random(3).tolist()
    assert sampler_rng.random(3).tolist() == np.random.default_rng(children[1]).random(3).tolist()
    expected = TwoLayerNet(64, 4, 10, weight_init_std="he", rng=np.random.default_rng(children[0]))
    built = _runs.build_net(settings)
    for key, value in expected.params.items():
        assert np.array_equal(built.params[key], value), key
