"""Benchmark: training throughput of deepkiso's Trainer against PyTorch on the CPU.

Exercise 2_18 ("the same training, now fast"): the same MLP — 784-H-10, ReLU,
softmax cross-entropy, plain SGD (lr 0.1), float32, shuffled each epoch — for
H in 50, 100, 1000 and batch sizes 32, 100, 1000, trained by

* deepkiso: ``Trainer(TwoLayerNet, SGD, shuffle sampler)`` with the per-epoch
  evaluation turned off (``evaluate_train=False``, no test set), so only the
  updates are timed, as in the PyTorch loops;
* numpy (plain loop): the same training written out by hand in NumPy, as carefully as
  we know how (gathers with ``np.take`` into reused buffers, ReLU in place, the softmax
  on its transpose, in-place updates), with no layers, no trainer and no checks: the
  most a NumPy loop reaches here with one thread, so "/plain" says how much of it the
  library's layers, optimizer, sampler and trainer keep. With its default two threads it is
  no ceiling: its small products run split, and OpenBLAS's idle worker spinning between them
  slows it (deepkiso's default keeps them on one thread);
* torch (as users write it): ``nn.Sequential``, a shuffling ``DataLoader`` over a
  ``TensorDataset``, ``optim.SGD``, ``loss.item()`` per batch for the running loss;
* torch (fastest plain loop): indexing the tensors directly with a random
  permutation, in two variants — ``nn.Sequential`` with ``optim.SGD``, and raw
  tensors (``addmm``, ``autograd.grad``, ``_foreach_add_``) — and the faster of
  the two in each round is the one compared against.

One run is one epoch over the first N samples of Fashion-MNIST (the Debian files, if
present; otherwise random data of the same shape, which trains at the same speed):
N = 60,000 for H <= 100 and 20,000 for H = 1000. The runs of one setting alternate
between the contestants (the order rotating each round, the two of each compared pair one
after the other), so the machine's load hits them alike; the rates are medians over --repeats
rounds, and each ratio is the median of the rounds' ratios (a shared machine's speed drifts by
several per cent between rounds, which a ratio of two medians would carry).
Each contestant runs in a long-lived process of its own, which waits on a pipe
between its runs, so no two libraries' thread pools ever compete for the two
cores. Each runs twice or three times: with its default threads (what a user who
sets nothing gets: deepkiso train's thread count by product shape, blas.use_threads_by_shape;
NumPy's and PyTorch's one thread per core), with one thread and, for deepkiso, with
two. A fixed count is given through OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and
MKL_NUM_THREADS (and torch.set_num_threads); the default processes have these
removed from their environment. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are always
removed (they pin old OpenBLAS builds to a slow kernel; the kernel that runs is printed).

PyTorch is a benchmark-only dependency: ``pip install torch==2.13.0``. Without it
this prints how to get it and exits with status 0.

--baseline SRC adds one more contestant: deepkiso as it is in another source tree
(SRC is its ``src`` folder, e.g. of a worktree of main), run in its own process
with PYTHONPATH=SRC and interleaved with the rest, so a change's before and after
are timed in the same rounds under the same load ("base/plain" beside "/plain").

    python benchmarks/bench_training_vs_torch.py [--repeats 3] [--hidden 50]
        [--batch 32 100] [--baseline ../main/src]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

# hidden size -> (against torch as users write it, against torch's fastest loop), both with their
# default threads; and deepkiso's default keeps >= 0.9 of the hand-written loop and >= 0.95 of its
# own best fixed thread count.
TARGETS = {50: (2.0, 1.0), 100: (2.0, 1.0), 1000: (None, 1.0)}
TARGET_PLAIN, TARGET_OWN_BEST = 0.9, 0.95
# (contestant, threads): "default" is what each gives a user who sets nothing (deepkiso train's
# thread count by product shape; NumPy's and PyTorch's one thread per core).
CONTESTANTS = (  # in this order in every round (rotated): the pairs compared run one after the other
    ("deepkiso", "default"),
    ("numpy_plain", "default"),
    ("torch_plain_module", "default"),
    ("torch_plain_raw", "default"),
    ("torch_users", "default"),
    ("deepkiso", "1"),
    ("numpy_plain", "1"),
    ("deepkiso", "2"),
    ("torch_plain_module", "1"),
    ("torch_plain_raw", "1"),
    ("torch_users", "1"),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds per setting (default: 3)")
    parser.add_argument(
        "--hidden", type=int, nargs="+", default=[50, 100, 1000], help="(default: 50 100 1000)"
    )
    parser.add_argument(
        "--batch", type=int, nargs="+", default=[32, 100, 1000], help="(default: 32 100 1000)"
    )
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        help="also time the deepkiso in this src folder (default threads)",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- the workers: one process per contestant and thread count --------------------------------------


def load_data():
    """x (60000, 784) float32, t (60000,) int64 and where they came from."""
    from deepkiso.data import load_dataset

    try:
        (x, t), _ = load_dataset("fashion-mnist", download=False, progress=False)
        return x, t, "Fashion-MNIST"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        return (
            rng.random((60_000, 784), dtype=np.float32),
            rng.integers(0, 10, 60_000),
            "random data",
        )


def run_deepkiso(x, t, hidden, batch_size, seed):
    from deepkiso.data import make_sampler
    from deepkiso.nets import TwoLayerNet
    from deepkiso.optimizers import SGD
    from deepkiso.training import Trainer

    net = TwoLayerNet(784, hidden, 10, weight_init_std="he", rng=seed)
    # seed=, not rng=: the --baseline contestant may be a tree from before the rename.
    sampler = make_sampler("shuffle", n_samples=len(x), batch_size=batch_size, rng=seed)
    trainer = Trainer(net, SGD(lr=0.1), sampler, 1, evaluate_train=False)
    started = time.perf_counter()
    trainer.train(x, t, verbose=False)
    return len(x) / (time.perf_counter() - started)


def run_numpy_plain(x, t, hidden, batch_size, seed):
    """The same epoch as run_deepkiso, by hand: the batch buffers and gradients are made once, up front."""
    rng = np.random.default_rng(seed)
    W1 = (np.sqrt(2 / 784) * rng.standard_normal((784, hidden))).astype(np.float32)
    W2 = (np.sqrt(2 / hidden) * rng.standard_normal((hidden, 10))).astype(np.float32)
    b1, b2 = np.zeros(hidden, np.float32), np.zeros(10, np.float32)
    lr = np.float32(0.1)
    x_batch, t_batch = np.empty((batch_size, 784), np.float32), np.empty(batch_size, t.dtype)
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)
    started = time.perf_counter()
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        n = len(index)
        xb = np.take(x, index, axis=0, out=x_batch[:n], mode="clip")
        tb = np.take(t, index, axis=0, out=t_batch[:n], mode="clip")
        h = xb @ W1
        h += b1
        np.maximum(h, 0, out=h)
        scores_t = (h @ W2).T.copy()  # (10, n): short reductions run across rows, not along them
        scores_t += b2[:, None]
        scores_t -= scores_t.max(axis=0)
        picked = scores_t[tb, np.arange(n)]
        np.exp(scores_t, out=scores_t)
        total = scores_t.sum(axis=0)
        loss = (np.log(total).sum(dtype=np.float64) - picked.sum(dtype=np.float64)) / n  # noqa: F841 (as a trainer would)
        scores_t /= total
        scores_t[tb, np.arange(n)] -= 1
        scores_t *= np.float32(1 / n)
        dscores = scores_t.T
        np.matmul(h.T, dscores, out=dW2)
        db2 = dscores.sum(axis=0)
        dh = dscores @ W2.T
        dh *= h > 0
        np.matmul(xb.T, dh, out=dW1)
        db1 = dh.sum(axis=0)
        for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
            grad *= lr
            param -= grad
    return len(x) / (time.perf_counter() - started)


def torch_model(torch, hidden, seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    )


def run_torch_users(torch, x, t, hidden, batch_size, seed):
    from torch.utils.data import DataLoader, TensorDataset

    model = torch_model(torch, hidden, seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, t), batch_size=batch_size, shuffle=True)
    started = time.perf_counter()
    running_loss = 0.0
    for x_batch, t_batch in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x_batch), t_batch)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    return len(x) / (time.perf_counter() - started)


def run_torch_plain_module(torch, x, t, hidden, batch_size, seed):
    model = torch_model(torch, hidden, seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    cross_entropy = torch.nn.functional.cross_entropy
    started = time.perf_counter()
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        loss = cross_entropy(model(x.index_select(0, index)), t.index_select(0, index))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return len(x) / (time.perf_counter() - started)


def run_torch_plain_raw(torch, x, t, hidden, batch_size, seed):
    model = torch_model(torch, hidden, seed)
    # Weights as (in, out) leaves so each layer is one addmm, as deepkiso's Affine is one matmul.
    W1, W2 = (
        layer.weight.detach().t().contiguous().requires_grad_() for layer in (model[0], model[2])
    )
    b1, b2 = (layer.bias.detach().clone().requires_grad_() for layer in (model[0], model[2]))
    params = [W1, b1, W2, b2]
    cross_entropy = torch.nn.functional.cross_entropy
    started = time.perf_counter()
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        scores = torch.addmm(b2, torch.addmm(b1, x.index_select(0, index), W1).relu(), W2)
        grads = torch.autograd.grad(cross_entropy(scores, t.index_select(0, index)), params)
        with torch.no_grad():
            torch._foreach_add_(params, grads, alpha=-0.1)
    return len(x) / (time.perf_counter() - started)


def kernels(torch):
    lines = [f"numpy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"{pool['internal_api']} {pool['version']} kernel {pool.get('architecture')} "
                f"({pool['num_threads']} threads)"
            )
    except ImportError:
        lines.append("(pip install threadpoolctl to see the BLAS kernel)")
    if torch is not None:
        lines.append(
            f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
            f"{torch.get_num_threads()} threads"
        )
    return "; ".join(lines)


def contestant(name: str, threads: str, x_all: np.ndarray, t_all: np.ndarray):
    """The function that runs one epoch for this contestant: (hidden, batch_size, n, seed) -> samples/s."""
    if name in ("deepkiso", "baseline", "numpy_plain"):
        if name != "numpy_plain" and threads == "default":
            from deepkiso import blas

            # deepkiso train's default; a --baseline tree from before the rule keeps the BLAS's own
            if hasattr(blas, "use_threads_by_shape"):
                blas.use_threads_by_shape()
        run_numpy = run_numpy_plain if name == "numpy_plain" else run_deepkiso
        return lambda hidden, b, n, s: run_numpy(x_all[:n], t_all[:n], hidden, b, s)
    import torch

    if threads != "default":
        torch.set_num_threads(int(threads))
    x_torch, t_torch = torch.from_numpy(x_all), torch.from_numpy(t_all)
    run = {
        "torch_users": run_torch_users,
        "torch_plain_module": run_torch_plain_module,
        "torch_plain_raw": run_torch_plain_raw,
    }[name]
    return lambda hidden, b, n, s: run(torch, x_torch[:n], t_torch[:n], hidden, b, s)


def worker(args) -> None:
    """One contestant in its own process: reads run requests (JSON lines), answers samples per second.

    Each library gets a process of its own, so its thread pool never competes with the other's:
    two runtimes in one process, each with a pool of spinning threads, would slow both down.
    """
    name, threads = (*CONTESTANTS, ("baseline", "default"))[args.worker]
    x_all, t_all, source = load_data()
    run = contestant(name, threads, x_all, t_all)
    torch = sys.modules.get("torch")  # imported by the torch contestants only
    print(json.dumps({"kernels": kernels(torch), "data": source}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        rate = run(request["hidden"], request["batch"], request["samples"], request["seed"])
        print(json.dumps({"rate": rate}), flush=True)


# -- the parent: one process per contestant; runs alternate between them --------------------------


def label(contestant: tuple[str, str]) -> str:
    return f"{contestant[0]}@{contestant[1]}"


def start_worker(number: int, threads: str, baseline: str | None) -> subprocess.Popen:
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    }
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if threads == "default":
            env.pop(variable, None)  # each library's own choice: one thread per core
        else:
            env[variable] = threads
    if baseline is not None:
        env["PYTHONPATH"] = os.path.abspath(baseline)
    command = [sys.executable, __file__, "--worker", str(number)]
    return subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def run_workers(args) -> None:
    contestants = list(CONTESTANTS) + ([("baseline", "default")] if args.baseline else [])
    workers = {}
    for number, (name, threads) in enumerate(contestants):
        baseline = args.baseline if name == "baseline" else None
        workers[label((name, threads))] = start_worker(number, threads, baseline)
    names = list(workers)
    try:
        headers = {name: json.loads(workers[name].stdout.readline()) for name in names}
        print_header(headers, args.baseline)

        def ask(name, **request):
            workers[name].stdin.write(json.dumps(request) + "\n")
            workers[name].stdin.flush()
            reply = workers[name].stdout.readline()
            if not reply:
                raise SystemExit(f"the {name} worker stopped")
            return json.loads(reply)["rate"]

        for hidden in args.hidden:
            n = 60_000 if hidden <= 100 else 20_000
            for name in names:  # warm-up on a few batches: first-call costs, thread pools
                ask(name, hidden=hidden, batch=100, samples=3000, seed=99)
            for batch_size in args.batch:
                rates = {name: [] for name in names}
                for round_number in range(args.repeats):
                    shift = round_number % len(names)
                    for name in names[shift:] + names[:shift]:
                        rates[name].append(
                            ask(name, hidden=hidden, batch=batch_size, samples=n, seed=round_number)
                        )
                print_row({"hidden": hidden, "batch": batch_size, "rates": rates})
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait()


COLUMNS = (  # (heading, width)
    ("hidden", 6),
    ("batch", 5),
    ("dk default", 10),
    ("dk 1", 8),
    ("dk 2", 8),
    ("plain", 8),
    ("plain 1", 8),
    ("users", 8),
    ("users 1", 8),
    ("fastest", 8),
    ("fastest 1", 9),
    ("/plain", 6),
    ("1:/plain", 8),
    ("vs users", 8),
    ("vs fastest", 10),
    ("/own best", 9),
)


def print_header(headers, baseline) -> None:
    print(
        f"deepkiso's process (default threads): {headers['deepkiso@default']['kernels']}\n"
        f"torch's process (default threads): {headers['torch_users@default']['kernels']}\n"
        f"data: {headers['deepkiso@default']['data']}\n"
        "samples/s, medians of the rounds; ratios, medians of each round's ratio; "
        "'default' is each library's thread choice when a user sets none "
        "(deepkiso: by product shape), '1' one thread; fastest: the faster of torch's plain "
        "loops (module, raw); /plain: deepkiso default / plain default; 1:/plain: both at one "
        "thread; /own best: deepkiso default / its best fixed count"
        + (f"\nbaseline: the deepkiso in {baseline} (default threads)" if baseline else ""),
        flush=True,
    )
    headings = [f"{h:>{w}}" for h, w in COLUMNS] + ["targets"]
    if baseline:
        headings.append("base/plain")
    print(" ".join(headings), flush=True)


def print_row(record) -> None:
    r = {name: np.array(rates) for name, rates in record["rates"].items()}  # by round
    for threads in ("default", "1"):
        r[f"fastest@{threads}"] = np.maximum(
            r[f"torch_plain_module@{threads}"], r[f"torch_plain_raw@{threads}"]
        )
    m = {name: statistics.median(rates) for name, rates in r.items()}

    def paired(numerator, denominator):
        """The median of the rounds' ratios: a shared machine's speed drifts by several per cent
        between rounds, and a pair's two runs in one round see the same machine."""
        return float(np.median(numerator / denominator))

    ratios = {
        "plain": paired(r["deepkiso@default"], r["numpy_plain@default"]),
        "plain 1": paired(r["deepkiso@1"], r["numpy_plain@1"]),
        "users": paired(r["deepkiso@default"], r["torch_users@default"]),
        "fastest": paired(r["deepkiso@default"], r["fastest@default"]),
        "own best": paired(r["deepkiso@default"], np.maximum(r["deepkiso@1"], r["deepkiso@2"])),
    }
    target_users, target_fastest = TARGETS.get(record["hidden"], (None, None))
    verdicts = [
        f">={TARGET_PLAIN}x plain {'met' if min(ratios['plain'], ratios['plain 1']) >= TARGET_PLAIN else 'MISSED'}",
        f">={TARGET_OWN_BEST}x own best {'met' if ratios['own best'] >= TARGET_OWN_BEST else 'MISSED'}",
    ]
    if target_users is not None:
        verdicts.append(
            f">={target_users}x users {'met' if ratios['users'] >= target_users else 'MISSED'}"
        )
    if target_fastest is not None:
        verdicts.append(
            f">={target_fastest}x fastest {'met' if ratios['fastest'] >= target_fastest else 'MISSED'}"
        )
    rates = [
        m["deepkiso@default"],
        m["deepkiso@1"],
        m["deepkiso@2"],
        m["numpy_plain@default"],
        m["numpy_plain@1"],
        m["torch_users@default"],
        m["torch_users@1"],
        m["fastest@default"],
        m["fastest@1"],
    ]
    cells = [f"{record['hidden']:>6}", f"{record['batch']:>5}"]
    cells += [f"{rate:>{w},.0f}" for rate, (_, w) in zip(rates, COLUMNS[2:11])]
    cells += [
        f"{ratios[key]:>{w - 1}.2f}x"
        for key, (_, w) in zip(("plain", "plain 1", "users", "fastest", "own best"), COLUMNS[11:])
    ]
    cells.append(", ".join(verdicts))
    if "baseline@default" in m:
        cells.append(f"{paired(r['baseline@default'], r['numpy_plain@default']):.2f}x")
    print(" ".join(cells), flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker is not None:
        worker(args)
        return 0
    try:
        import torch  # noqa: F401
    except ImportError:
        print(
            "PyTorch is not installed, so there is nothing to compare against; "
            "install the pinned CPU build with: pip install torch==2.13.0"
        )
        return 0
    run_workers(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
