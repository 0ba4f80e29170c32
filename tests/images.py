"""Checks that a written picture is a real image of the size it should have, shared by the picture tests."""

from pathlib import Path

import numpy as np
from matplotlib.image import imread


def assert_picture(path: Path, width: int, height: int) -> None:
    """path is a PNG of width × height pixels with something drawn on it (not one flat colour)."""
    assert path.is_file() and path.stat().st_size > 0, f"{path} was not written"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pixels = imread(path)
    assert pixels.shape[:2] == (height, width), (
        f"{path}: {pixels.shape[1]}×{pixels.shape[0]} pixels, expected {width}×{height}"
    )
    rgb = pixels[..., :3].reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 50, f"{path} is almost blank"


def assert_animated_gif(path: Path) -> int:
    """path is an animated GIF; returns its number of frames (> 1)."""
    from PIL import Image

    assert path.read_bytes()[:6] in (b"GIF89a", b"GIF87a"), f"{path} is not a GIF"
    with Image.open(path) as image:
        n_frames = image.n_frames
    assert n_frames > 1, f"{path} has only {n_frames} frame"
    return n_frames
