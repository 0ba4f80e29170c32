"""Fail a test on a character that no font could draw (an empty box in the picture)."""

import contextlib
import logging
import warnings


@contextlib.contextmanager
def every_glyph_found(caplog):
    """Run the body (which draws figures); fail on matplotlib's "Glyph … missing from font" warning
    (3.6 and later: a character drawn as an empty box) or on a font it could not find."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")
        with caplog.at_level(logging.WARNING, logger="matplotlib"):
            yield
    complaints = [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()]
    assert not complaints, complaints


def render_without_missing_glyphs(figure, path, caplog) -> None:
    """Save figure as a small PNG at path, with every glyph found."""
    with every_glyph_found(caplog):
        figure.savefig(path, dpi=40)
