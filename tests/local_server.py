"""A local HTTP server on 127.0.0.1 for the download tests: the only network any test uses."""

import hashlib
import http.server
import threading
import time

import numpy as np
import pytest

from deepkiso.data import write_idx
from deepkiso.data.download import RemoteFile


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.routes: path -> (status, body, how).

    how: "whole"; "short" sends half the declared body; "drip" sends one byte every 10 ms;
    "unsized" sends the body without a Content-Length; "bad-length" declares "abc" bytes.
    """

    def do_GET(self):
        status, body, how = self.server.routes.get(self.path, (404, b"not here", "whole"))
        self.send_response(status)
        if how != "unsized":
            self.send_header("Content-Length", "abc" if how == "bad-length" else str(len(body)))
        self.end_headers()
        self.close_connection = True
        try:
            if how == "drip":
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.01)
            else:
                self.wfile.write(body[: len(body) // 2] if how == "short" else body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as the bounds under test make it do

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    """A local HTTP server; set server.routes, fetch from server.url."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes = {}
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def idx_gz(tmp_path, array, name="file-idx1-ubyte.gz"):
    """The bytes of a small gzipped IDX file holding array."""
    write_idx(tmp_path / name, array)
    return (tmp_path / name).read_bytes()


def described(name, content, *, sha256=True, md5=True):
    return RemoteFile(
        name,
        len(content),
        sha256=hashlib.sha256(content).hexdigest() if sha256 else None,
        md5=hashlib.md5(content).hexdigest() if md5 else None,
    )


def small_mnist_files(tmp_path, n_train=6, n_test=3):
    """The four gzipped files of a tiny MNIST-format set, served names -> bytes."""
    tmp_path.mkdir()
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    return {name: idx_gz(tmp_path, array, name) for name, array in arrays.items()}
