"""Tests of `deepkiso slides` through cli.main: every figure in Japanese with no missing glyph, the
same pictures as the commands shown beside them, --format svg, and one-line errors."""

import html
import shlex

import pytest
from glyphs import every_glyph_found

from deepkiso import i18n
from deepkiso.cli import main
from deepkiso.slides import SECTIONS, SLIDES, catalog, command_line

JAPANESE = {
    "chain_rule": "連鎖律: y = (x₁ + x₂)²",
    "saddle": "鞍点",
    "vanishing": "勾配消失",
    "batch_size": "バッチサイズの決め方",
}


@pytest.fixture
def english():
    yield
    i18n.set_language(None)


@pytest.fixture
def few(monkeypatch):
    """Only three quick slides, for the tests of the command's behaviour."""
    by_id = {s.id: s for s in SLIDES}
    monkeypatch.setattr(catalog, "SLIDES", tuple(by_id[i] for i in ("saddle", "tanh", "vanishing")))


def test_japanese_slides_have_japanese_titles_and_no_missing_glyph(tmp_path, capsys, caplog):
    out = tmp_path / "slides-ja"
    try:
        with every_glyph_found(caplog):
            assert main(["slides", "--lang", "ja", "--out", str(out)]) == 0
    finally:
        i18n.set_language(None)
    captured = capsys.readouterr()
    assert f"{len(SLIDES)} 枚の図と {out / 'index.html'} を" in captured.out
    n = [s.id for s in SLIDES].index("saddle") + 1
    assert f"[{n:>2}/{len(SLIDES)}] 鞍点: {out / 'saddle.png'} (" in captured.err
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    for slide_id, title in JAPANESE.items():
        assert f'<img src="{slide_id}.png" alt="{html.escape(title)}">' in page
    for name in ("ミニバッチ学習", "微分", "最急降下法", "勾配法", "誤差逆伝播法"):
        assert f"<h2>{name}</h2>" in page
    assert "deepkiso graph --example tanh --renderer matplotlib --out tanh.png --lang ja" in page
    assert sorted(p.name for p in out.glob("*.png")) == sorted(f"{s.id}.png" for s in SLIDES)


def test_each_picture_is_the_one_its_command_line_makes(tmp_path, few, english, capsys):
    out = tmp_path / "slides"
    assert main(["slides", "--out", str(out)]) == 0
    for slide in catalog.SLIDES:
        words = shlex.split(command_line(slide, ".png"))[1:]
        words[words.index("--out") + 1] = str(tmp_path / f"own-{slide.id}.png")
        assert main(words) == 0
        own = (tmp_path / f"own-{slide.id}.png").read_bytes()
        assert own == (out / f"{slide.id}.png").read_bytes(), slide.id


def test_format_svg_writes_svgs_and_prints_a_line_per_figure(tmp_path, few, english, capsys):
    out = tmp_path / "slides"
    assert main(["slides", "--out", str(out), "--format", "svg"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and err[0].startswith("[ 1/3] A saddle point: ") and "(" in err[0]
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html",
        "saddle.svg",
        "slides.json",
        "tanh.svg",
        "vanishing.svg",
    ]
    assert all(b"<svg" in p.read_bytes()[:2000] for p in out.glob("*.svg"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "file", "is a file, not a folder"),
        (lambda tmp: tmp / "file" / "sub", "cannot make the folder"),
    ],
)
def test_an_unwritable_out_is_one_line(tmp_path, few, english, capsys, make, message):
    (tmp_path / "file").write_text("")
    out = make(tmp_path)
    assert main(["slides", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"deepkiso slides: error: --out {out}"), err
    assert message in err[0]


def test_a_file_of_someone_elses_is_one_line_and_kept(tmp_path, few, english, capsys):
    (tmp_path / "tanh.png").write_bytes(b"mine")
    assert main(["slides", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"deepkiso slides: error: --out {tmp_path / 'tanh.png'} exists and was not written by "
        "deepkiso slides; move it away or choose another --out"
    ]
    assert (tmp_path / "tanh.png").read_bytes() == b"mine"
    assert not (tmp_path / "saddle.png").exists()


def test_help_names_the_options(capsys):
    assert main(["slides", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--out DIR" in out and "--format" in out and "{png,svg}" in out


def test_the_sections_are_the_slides_table_of_contents():
    assert list(SECTIONS) == [
        "minibatch",
        "differentiation",
        "steepest_descent",
        "gradient_methods",
        "backpropagation",
    ]
