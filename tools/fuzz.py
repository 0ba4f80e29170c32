"""The long fuzz run: thousands of hostile inputs across deepkiso's doors, counted per area.

    python tools/fuzz.py --cases 10000 --seed 0            # about 10 minutes on 2 cores
    python tools/fuzz.py --cases 500 --areas cli idx       # a quick look at two areas

Areas (one in five cases each): ``idx`` (mutated and gzip-bombed IDX files through ``read_idx``),
``checkpoints`` (edited ``checkpoint.json`` fields, damaged ``.npz`` files, swapped files, through
``evaluate`` and ``train --resume``), ``cli`` (random argument lists of every command), ``images``
(mutated PNG and ``.npy`` files through ``predict``) and ``downloads`` (``download_file`` against
misbehaving mirrors on a local ``http.server`` at 127.0.0.1). Every case runs in one of ``--workers``
worker processes under a memory limit (``--memory-mb``) and a deadline; a worker that overruns it is
killed and restarted. Each case ends as one of

* ``clean``: a result, or a refusal of the kind the door promises (one error line, exit 0/1/2);
* ``traceback``: any other exception, a traceback on stderr or another exit code;
* ``hang``: the deadline passed;
* ``wrong``: accepted silently although the input was bad (a checkpoint edit that changes the
  result, an image of the wrong size, a download whose checksum does not match, an option out of
  its range, a trained checkpoint deleted by a failure).

The counts per area are printed at the end, with one example of each kind of failure; the exit code
is 1 when any case was not clean.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import os
import queue
import random
import resource
import shutil
import struct
import sys
import tempfile
import threading
import time
import traceback
import zlib
from collections import Counter, defaultdict
from multiprocessing import Pipe, Process
from pathlib import Path

AREAS = ("idx", "checkpoints", "cli", "images", "downloads")
OUTCOMES = ("clean", "traceback", "hang", "wrong")
DEADLINES = {"idx": 30, "checkpoints": 60, "cli": 60, "images": 30, "downloads": 20}

# -- the worker's side ---------------------------------------------------------------------------


class Outcome(Exception):
    """Raised by a case to end with a verdict other than clean."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


def _run_main(argv: list[str]) -> tuple[int, str, str]:
    """deepkiso's main(argv) with stdout and stderr captured; an escaping exception is a traceback."""
    from deepkiso.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - everything that escapes is what we count
            raise Outcome("traceback", f"{argv}: {type(exc).__name__}: {exc}") from None
    stderr = err.getvalue()
    if code not in (0, 1, 2) or "Traceback (most recent call last)" in stderr:
        raise Outcome("traceback", f"{argv}: exit {code}: {stderr.strip()[-300:]}")
    return code, out.getvalue(), stderr


class Worker:
    """What one worker process keeps between cases: a scratch folder, a trained run, a local server."""

    def __init__(self, root: Path):
        self.root = root
        self._run = None
        self._server = None
        self._bomb = None

    # shared fixtures, made on first use

    def run_dir(self) -> Path:
        if self._run is None:
            run = self.root / "run"
            code, _, err = _run_main(
                ["train", "--out", str(run), "--hidden", "4", "--epochs", "1", "--quiet"]
            )
            assert code == 0, err
            baseline = _run_main(["evaluate", str(run), "--out", str(self.root / "c.png")])[1]
            self._run = (run, _measured(baseline))
        return self._run[0]

    def baseline(self) -> str:
        self.run_dir()
        return self._run[1]

    def bomb(self) -> bytes:
        """An IDX gzip bomb, made once: a valid header declaring 1 GB, then 1 GB of zeros in about 1 MB."""
        if self._bomb is None:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 1000, 1000, 1000)
            zeros = bytes(1 << 24)
            self._bomb = (
                compressor.compress(header)
                + b"".join(compressor.compress(zeros) for _ in range(64))
                + compressor.flush()
            )
        return self._bomb

    def server(self):
        if self._server is None:
            self._server = _start_server()
        return self._server

    def scratch(self) -> Path:
        return Path(tempfile.mkdtemp(dir=self.root))


# IDX ------------------------------------------------------------------------------------------

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _idx_bytes(rng: random.Random):
    import numpy as np

    code = rng.choice(list(_IDX_TYPES))
    shape = tuple(rng.randint(0, 5) for _ in range(rng.randint(1, 3)))
    array = (
        (np.arange(int(np.prod(shape)), dtype=np.float64) % 97)
        .astype(_IDX_TYPES[code])
        .reshape(shape)
    )
    return (
        bytes([0, 0, code, len(shape)])
        + b"".join(struct.pack(">I", n) for n in shape)
        + array.tobytes()
    )


def _reference_idx(data: bytes):
    """What a correct reader returns for these (uncompressed) bytes, or None when it must refuse."""
    import numpy as np

    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _IDX_TYPES or data[3] == 0:
        return None
    n_dims = data[3]
    if len(data) < 4 + 4 * n_dims:
        return None
    shape = struct.unpack(f">{n_dims}I", data[4 : 4 + 4 * n_dims])
    dtype = np.dtype(_IDX_TYPES[data[2]])
    if len(data) != 4 + 4 * n_dims + int(np.prod(shape, dtype=object)) * dtype.itemsize:
        return None
    return np.frombuffer(data, dtype=dtype, offset=4 + 4 * n_dims).reshape(shape)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    kind = rng.choice(("flip", "truncate", "extend", "header", "none"))
    if kind == "flip" and data:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "truncate":
        del data[rng.randint(0, len(data)) :]
    elif kind == "extend":
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif kind == "header" and len(data) >= 8:
        data[rng.randrange(min(len(data), 16))] = rng.choice((0, 1, 0x7F, 0xFF))
    return bytes(data)


def case_idx(worker: Worker, rng: random.Random) -> None:
    import numpy as np

    from deepkiso.data.idx import read_idx

    raw = _mutate(_idx_bytes(rng), rng)
    expected = _reference_idx(raw)
    style = rng.choice(("raw",) * 4 + ("gzip",) * 2 + ("gzip-damaged",) * 3 + ("bomb",))
    if style == "gzip":
        data = gzip.compress(raw)
    elif style == "gzip-damaged":
        data = _mutate(gzip.compress(raw), rng)
        try:
            expected = _reference_idx(gzip.decompress(data))
        except (OSError, EOFError, zlib.error):
            expected = None
    elif (
        style == "bomb"
    ):  # a small file that inflates to 1 GB: a correct reader refuses it with little memory
        data = worker.bomb()[: rng.choice((None, 1 << 19))]
        expected = None
    else:
        data = raw
    path = worker.scratch() / "file-idx1-ubyte"
    path.write_bytes(data)
    try:
        array = read_idx(path)
    except (ValueError, OSError) as exc:
        if "\n" in str(exc):
            raise Outcome("traceback", f"{style}: a message of several lines: {exc!r}") from None
        return
    except BaseException as exc:  # noqa: BLE001
        raise Outcome("traceback", f"{style}: {type(exc).__name__}: {exc}") from None
    if (
        expected is None
        or array.shape != expected.shape
        or not np.array_equal(array, expected, equal_nan=True)
    ):
        raise Outcome(
            "wrong",
            f"{style}: read_idx returned shape {array.shape}, the reference "
            f"{'refuses the file' if expected is None else expected.shape}",
        )


# checkpoints ----------------------------------------------------------------------------------

_ODD_VALUES = [
    -1,
    0,
    1,
    2**63,
    -(2**63),
    1e308,
    float("nan"),
    "x",
    "",
    None,
    [],
    {},
    True,
    "../run/x.npz",
    "/etc/passwd",
    [1, 2],
    {"a": 1},
    10**30,
]


def _edit_json(value, rng: random.Random):
    """value with one randomly chosen leaf (or container) replaced by an odd value."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        return {**value, key: _edit_json(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return [*value[:i], _edit_json(value[i], rng), *value[i + 1 :]]
    return rng.choice([v for v in _ODD_VALUES if v != value] or _ODD_VALUES)


def _measured(evaluate_output: str) -> str:
    """evaluate's output without the line naming the picture (its path differs from case to case)."""
    return "".join(
        line
        for line in evaluate_output.splitlines(keepends=True)
        if not line.startswith("picture: ")
    )


def case_checkpoints(worker: Worker, rng: random.Random) -> None:
    run = worker.scratch() / "run"
    shutil.copytree(worker.run_dir(), run)
    checkpoint_json = run / "checkpoint.json"
    arrays = sorted(run.glob("*.npz"))
    kind = rng.choice(("json", "json", "npz", "npz", "swap"))
    if kind == "json":
        meta = json.loads(checkpoint_json.read_text())
        checkpoint_json.write_text(json.dumps(_edit_json(meta, rng), allow_nan=True))
    elif kind == "npz" and arrays:
        arrays[0].write_bytes(_mutate(arrays[0].read_bytes(), rng))
    else:
        target = rng.choice([checkpoint_json, *arrays])
        target.unlink()
        how = rng.choice(("missing", "dangling", "folder", "dev-zero", "empty"))
        if how == "dangling":
            target.symlink_to(run / "nowhere")
        elif how == "folder":
            target.mkdir()
        elif how == "dev-zero":
            target.symlink_to("/dev/zero")
        elif how == "empty":
            target.write_bytes(b"")
    weights = {
        p.name: p.read_bytes() for p in run.glob("*.npz") if p.is_file() and not p.is_symlink()
    }
    if rng.random() < 0.5:
        code, out, _ = _run_main(["evaluate", str(run), "--out", str(run.parent / "c.png")])
        if code == 0 and _measured(out) != worker.baseline():
            raise Outcome(
                "wrong",
                f"{kind}: evaluate accepted the edited checkpoint and measured something else",
            )
    else:
        code, _, _ = _run_main(["train", "--resume", str(run), "--epochs", "2", "--quiet"])
    if code != 0:
        lost = [name for name, data in weights.items() if not (run / name).is_file()]
        if lost:
            raise Outcome("wrong", f"{kind}: a failed command deleted the trained {lost}")


# CLI ------------------------------------------------------------------------------------------

_CLI_BASES = [
    ["landscape", "--steps", "3", "--dpi", "20", "--out", "{tmp}/l.png"],
    ["numdiff", "--no-timing", "--dpi", "20", "--out", "{tmp}/n.png"],
    ["vanishing", "--layers", "2", "--width", "3", "--dpi", "20", "--out", "{tmp}/v.png"],
    [
        "why-not-accuracy",
        "--samples",
        "5",
        "--hidden",
        "2",
        "--train-steps",
        "2",
        "--points",
        "3",
        "--dpi",
        "20",
        "--out",
        "{tmp}/w.png",
    ],
    ["graph", "x * y + 1", "--set", "x=1", "y=2"],
    [
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
    ["evaluate", "{run}", "--chunk-size", "100"],
    ["predict", "{run}", "{tmp}/image.npy"],
    [
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
    [
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
    ["check", "{tmp}/mine.py", "--only", "softmax", "--timeout", "5"],
]
_CLI_VALUES = [
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
    "1_0",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: int() reads it as 1
    "",
    " ",
    "x",
    "é",
    "-",
    "--",
    "1,2",
    "1,2;3,4",
    "x=1",
    "he",
    "relu",
    "mlp",
    "sgd",
    "adam",
    "digits",
    "sine",
    "mnist",
    "shuffle",
    "epoch",
    "once",
    "linear",
    "updates",
    "{tmp}/o.png",
    "{tmp}/o.svg",
    "{tmp}/o.pdf",
    "{tmp}/o.jpg",
    "{tmp}/o.jpeg",
    "{tmp}/o.gif",
    "{tmp}/o.dot",
    "{tmp}/o.txt",
    "{tmp}/dir",
    "{tmp}/a-file/x.png",
    "/proc/deepkiso.png",
    "{tmp}/" + "a" * 300 + ".png",
    "{run}",
    "/dev/null",
    "/dev/zero",
    "/nonexistent/x",
    "tcp://h",
    "inproc://x",
    "-" * 600 + "x",
    "+" * 999 + "x",
    "x" + "**2" * 200,
    "exp(exp(exp(x)))",
    "1/0",
    "log(-x)",
    "32:2,64:1",
    "32:0",
]


def _cli_options(argv_prefix: list[str]) -> list:
    from deepkiso.cli import build_parser

    parser = build_parser()
    for name in argv_prefix:
        parser = next(
            a for a in parser._actions if isinstance(getattr(a, "choices", None), dict)
        ).choices[name]
    return [a for a in parser._actions if a.option_strings and "--help" not in a.option_strings]


def case_cli(worker: Worker, rng: random.Random) -> None:
    import numpy as np

    from deepkiso.commands._options import Integer, Number

    tmp = worker.scratch()
    shutil.copytree(worker.run_dir(), tmp / "run")
    np.save(tmp / "image.npy", np.zeros((8, 8), dtype=np.float32))
    (tmp / "mine.py").write_text(
        "import numpy as np\n\ndef softmax(a):\n    return np.exp(a) / np.exp(a).sum()\n"
    )
    (tmp / "a-file").write_text("")
    base = rng.choice(_CLI_BASES)
    argv = list(base[: len(base) - rng.choice((0, 0, 0, 1, 2))])
    prefix = argv[:2] if argv[0] == "experiment" else argv[:1]
    out_of_range = []
    for _ in range(rng.randint(0, 4)):
        action = rng.choice(_cli_options(prefix))
        option = rng.choice(action.option_strings)
        if action.nargs == 0:
            argv.append(option)
            continue
        bounds = action.type if isinstance(action.type, (Integer, Number)) else None
        if bounds is not None and rng.random() < 0.3:  # just past either end of its range
            step = 1 if isinstance(bounds, Integer) else abs(bounds.high) * 1e-6 + 1e-9
            value = str(rng.choice((bounds.low - step, bounds.high + step)))
            out_of_range.append(f"{option} {value}")
        else:
            value = rng.choice(_CLI_VALUES)
        argv += [option, value]
    argv = [a.replace("{tmp}", str(tmp)).replace("{run}", str(tmp / "run")) for a in argv]
    code, _, _ = _run_main(argv)
    if code == 0 and out_of_range:
        raise Outcome("wrong", f"{argv[:2]}: exit 0 with {out_of_range}")


# images ---------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def case_images(worker: Worker, rng: random.Random) -> None:
    import numpy as np
    from PIL import Image

    tmp = worker.scratch()
    style = rng.choice(("png", "png", "png-damaged", "png-bomb", "npy", "npy-header"))
    path = tmp / ("image.png" if style.startswith("png") else "image.npy")
    shape = (8, 8) if rng.random() < 0.5 else (rng.randint(1, 64), rng.randint(1, 64))
    if style in ("png", "png-damaged"):
        mode = rng.choice(("L", "RGB", "RGBA", "I;16", "1", "P"))
        image = Image.fromarray(
            np.random.default_rng(rng.randrange(2**32)).integers(0, 255, shape, dtype=np.uint8)
        )
        buffer = io.BytesIO()
        image.convert(mode).save(buffer, format="PNG")
        data = buffer.getvalue()
        path.write_bytes(_mutate(data, rng) if style == "png-damaged" else data)
    elif (
        style == "png-bomb"
    ):  # a header of 40000 x 40000 pixels over a tiny, highly compressed body
        side = 40_000
        body = zlib.compress(bytes(side + 1) * 64, 9)
        path.write_bytes(
            b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", body)
            + _png_chunk(b"IEND", b"")
        )
    elif style == "npy":
        values = rng.choice((0.5, float("nan"), float("inf"), -3.0, 1e30, 7))
        dtype = rng.choice((np.float32, np.float64, np.uint8, np.int64, np.complex64, np.bool_))
        with np.errstate(all="ignore"):
            np.save(path, np.full(shape, values).astype(dtype))
    else:  # a .npy header declaring 32 GiB
        header = "{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536), }"
        header += " " * (118 - len(header)) + "\n"
        path.write_bytes(
            b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(64)
        )
    code, _out, _ = _run_main(["predict", str(worker.run_dir()), str(path)])
    if code != 0:
        return
    if style.startswith("png"):
        try:
            with Image.open(path) as image:
                size = image.size
        except Exception:  # noqa: BLE001 - the reference cannot read it either
            size = None
        if size != (8, 8):
            raise Outcome(
                "wrong", f"{style}: predict answered for a picture of size {size}, not 8 x 8"
            )
    else:
        x = np.load(path, allow_pickle=False, mmap_mode="r")
        # One 8 x 8 digit or a stack of them (N x 8 x 8, or N x 64 rows), in raw units 0..16 or in [0, 1].
        digits = x.shape in ((8, 8), (64,)) or x.shape[1:] in ((8, 8), (64,))
        in_range = (x.dtype.kind in "ui" and x.min() >= 0 and x.max() <= 16) or (
            x.dtype.kind == "f" and np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1
        )
        if not (digits and in_range):
            raise Outcome(
                "wrong", f"{style}: predict answered for a {x.dtype} array of shape {x.shape}"
            )


# downloads ------------------------------------------------------------------------------------

_PAYLOAD = b"deepkiso fuzz payload: forty-seven bytes long.\n"
_BEHAVIOURS = (
    "ok",
    "wrong",
    "short",
    "long",
    "huge",
    "badlength",
    "404",
    "500",
    "redirect",
    "reset",
    "empty",
    "slow",
)


def _start_server():
    """A threaded http.server on 127.0.0.1 whose path names how it misbehaves; returns its base URL."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            behaviour = self.path.strip("/").split("/")[0]
            body = {"ok": _PAYLOAD, "wrong": _PAYLOAD[::-1], "empty": b""}.get(behaviour, _PAYLOAD)
            if behaviour in ("404", "500"):
                self.send_error(int(behaviour))
                return
            if behaviour == "redirect":
                self.send_response(302)
                self.send_header("Location", "/ok/" + self.path.rsplit("/", 1)[-1])
                self.end_headers()
                return
            if behaviour == "reset":
                self.connection.close()
                return
            self.send_response(200)
            length = {
                "short": len(body) + 100,
                "long": len(body) - 10,
                "badlength": "abc",
                "huge": 50 * 2**20,
            }.get(behaviour, len(body))
            self.send_header("Content-Length", str(length))
            self.end_headers()
            with contextlib.suppress(OSError):
                if behaviour == "huge":
                    for _ in range(50):
                        self.wfile.write(bytes(2**20))
                elif (
                    behaviour == "slow"
                ):  # a byte every 50 ms, for ever: only a deadline or a size cap ends it
                    while True:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.05)
                else:
                    self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def case_downloads(worker: Worker, rng: random.Random) -> None:
    from deepkiso.data.download import DownloadError, RemoteFile, download_file

    base = worker.server()
    choices = [b for b in _BEHAVIOURS if b != "slow" or rng.random() < 0.05]
    mirrors = [f"{base}/{rng.choice(choices)}" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.2:
        mirrors.insert(
            rng.randint(0, len(mirrors)),
            rng.choice(
                ("htp://x", "http://127.0.0.1:1", "http://[::1", "http://127.0.0.1:99999", "")
            ),
        )
    remote = RemoteFile("file.gz", size=len(_PAYLOAD), sha256=hashlib.sha256(_PAYLOAD).hexdigest())
    dest = worker.scratch()
    try:
        path = download_file(remote, mirrors, dest, progress=False, timeout=2)
    except DownloadError as exc:
        if "\n" in str(exc):
            raise Outcome("traceback", f"{mirrors}: a message of several lines") from None
        return
    except BaseException as exc:  # noqa: BLE001
        raise Outcome("traceback", f"{mirrors}: {type(exc).__name__}: {exc}") from None
    if Path(path).read_bytes() != _PAYLOAD:
        raise Outcome(
            "wrong",
            f"{mirrors}: download_file returned a file whose bytes are not the recorded ones",
        )


CASES = {
    "idx": case_idx,
    "checkpoints": case_checkpoints,
    "cli": case_cli,
    "images": case_images,
    "downloads": case_downloads,
}


def _worker_main(connection, root: str, memory_mb: int) -> None:
    """Run cases sent over connection until it closes; answer each with (kind, detail)."""
    os.environ.update(
        MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"
    )
    # The soft limit only: deepkiso check's sandbox sets its own limit for the learner's process.
    resource.setrlimit(
        resource.RLIMIT_AS, (memory_mb * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1])
    )
    worker = Worker(Path(root))
    os.chdir(root)  # commands' default outputs (runs/, landscape.png) land in the scratch folder
    while True:
        try:
            area, seed = connection.recv()
        except EOFError:
            return
        try:
            CASES[area](worker, random.Random(seed))
            verdict = ("clean", "")
        except Outcome as outcome:
            verdict = (outcome.kind, str(outcome)[:400])
        except BaseException as exc:  # noqa: BLE001 - a failure of the fuzzer's own set-up counts too
            verdict = (
                "traceback",
                f"set-up: {type(exc).__name__}: {exc} {traceback.format_exc(limit=-2)}"[:400],
            )
        for child in Path(root).iterdir():  # keep the scratch folder small between cases
            if child.name not in ("run", "c.png") and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
        connection.send(verdict)


# -- the parent's side ---------------------------------------------------------------------------


class Slot:
    """One worker process; restarted after a hang or a crash."""

    def __init__(self, root: Path, memory_mb: int):
        self.root, self.memory_mb = root, memory_mb
        self.process = None
        self.connection = None

    def start(self) -> None:
        folder = Path(tempfile.mkdtemp(dir=self.root))
        self.connection, child = Pipe()
        self.process = Process(
            target=_worker_main, args=(child, str(folder), self.memory_mb), daemon=True
        )
        self.process.start()

    def run(self, area: str, seed: str) -> tuple[str, str]:
        if self.process is None or not self.process.is_alive():
            self.start()
        self.connection.send((area, seed))
        # The first case of a worker also trains its run and starts its server.
        if self.connection.poll(DEADLINES[area] + 60 * (not getattr(self, "_warm", False))):
            try:
                verdict = self.connection.recv()
                self._warm = True
                return verdict
            except EOFError:
                pass
        alive = self.process.is_alive()
        self.process.kill()
        self.process.join()
        self.process, self._warm = None, False
        return (
            ("hang", f"no answer within {DEADLINES[area]} s")
            if alive
            else ("traceback", "the worker died")
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in all (default: 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cases (default: 0)")
    parser.add_argument(
        "--areas",
        nargs="+",
        choices=AREAS,
        default=list(AREAS),
        help="areas to fuzz (default: all)",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument(
        "--memory-mb", type=int, default=1536, help="memory limit per worker (default: 1536)"
    )
    args = parser.parse_args(argv)

    todo: queue.Queue = queue.Queue()
    for i in range(args.cases):
        todo.put((args.areas[i % len(args.areas)], f"{args.seed}-{i}"))
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], str] = {}
    lock = threading.Lock()
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="deepkiso-fuzz-") as root:

        def drain(slot: Slot) -> None:
            while True:
                try:
                    area, seed = todo.get_nowait()
                except queue.Empty:
                    return
                kind, detail = slot.run(area, seed)
                with lock:
                    counts[area][kind] += 1
                    examples.setdefault((area, kind), f"case {seed}: {detail}")
                    done = sum(sum(c.values()) for c in counts.values())
                    if done % 500 == 0:
                        print(
                            f"{done}/{args.cases} cases, {time.monotonic() - started:.0f} s",
                            file=sys.stderr,
                        )

        slots = [Slot(Path(root), args.memory_mb) for _ in range(args.workers)]
        threads = [threading.Thread(target=drain, args=(slot,)) for slot in slots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for slot in slots:
            if slot.process is not None:
                slot.process.kill()

    print(f"{'area':<12} {'cases':>6} " + " ".join(f"{kind:>9}" for kind in OUTCOMES))
    for area in args.areas:
        c = counts[area]
        print(f"{area:<12} {sum(c.values()):>6} " + " ".join(f"{c[kind]:>9}" for kind in OUTCOMES))
    total = sum((counts[a] for a in args.areas), Counter())
    print(
        f"{'all':<12} {sum(total.values()):>6} "
        + " ".join(f"{total[kind]:>9}" for kind in OUTCOMES)
    )
    print(f"{time.monotonic() - started:.0f} s with {args.workers} workers")
    for (area, kind), example in sorted(examples.items()):
        if kind != "clean":
            print(f"first {kind} in {area}: {example}")
    return 0 if total["clean"] == sum(total.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
