"""Optimizers that update a net's parameters in place (exercise 2_9 and beyond).

Each optimizer has ``update(params, grads)``: params and grads are dicts of
arrays with the same keys (a net's ``params`` and the result of its
``gradient``). The update is in place, because the layers hold these same
arrays. Each keeps its running state per parameter name in the parameter's
dtype, and ``state_dict()`` / ``load_state_dict()`` save and restore it, so a
resumed run continues bit for bit.

    SGD       W ← W - η ∂L/∂W
    Momentum  v ← αv - η ∂L/∂W;  W ← W + v
    AdaGrad   h ← h + (∂L/∂W)²;  W ← W - η ∂L/∂W / (√h + ε)
    RMSProp   h ← ρh + (1 - ρ)(∂L/∂W)²;  W ← W - η ∂L/∂W / (√h + ε)
    Adam      m ← β1 m + (1 - β1) g;  v ← β2 v + (1 - β2) g²;
              W ← W - η √(1 - β2ᵗ) / (1 - β1ᵗ) · m / (√v + ε)

Two of these are the book's forms, not PyTorch's (the README's "Optimizers, and
their PyTorch equivalents" works both out): Adam adds ε to √v, where
torch.optim.Adam adds its ε′ to √v̂ = √v / √(1 - β2ᵗ), so deepkiso's ε is
torch's ε′ · √(1 - β2ᵗ) at step t; and Momentum's velocity carries the learning
rate of each past step, where torch.optim.SGD(momentum=α) keeps raw gradients
(b ← αb + g; W ← W - ηb), so the two part as soon as the learning rate changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from typing import Any

import numpy as np

from deepkiso.i18n import _

__all__ = [
    "Optimizer",
    "SGD",
    "Momentum",
    "AdaGrad",
    "RMSProp",
    "Adam",
    "OPTIMIZERS",
    "make_optimizer",
]


# Optimizer.step's arithmetic runs over slices of this many elements (256 KiB of float32) of a
# parameter larger than two of them. A 784 x 1000 layer's weight, gradient, buffers and work arrays
# (3 MiB each) do not fit in a core's 2 MiB L2 cache together and one slice of each does, so each
# operation then reads its operands from the cache instead of from memory: SGD's step at 784 x 1000
# takes 240 µs instead of 437 µs (benchmarks/bench_optimizer_steps.py). Each element gets the same
# operations in the same order whatever the slicing: the numbers are update's.
_SLICE = 65_536


def _in_slices(
    arrays: tuple[np.ndarray, ...], work: tuple[np.ndarray, ...] = ()
) -> list[tuple[np.ndarray, ...]]:
    """arrays (one shape, C-contiguous) and their work arrays (from Optimizer._work_for) as views
    to step one after another: [(*arrays, *work)] for a parameter of up to two slices, else flat
    slices of _SLICE elements (the last one shorter)."""
    size = arrays[0].size
    if size <= 2 * _SLICE:
        return [(*arrays, *work)]
    flat = [a.reshape(-1) for a in arrays]
    return [
        (
            *(f[start : start + _SLICE] for f in flat),
            *(w[: min(_SLICE, size - start)] for w in work),
        )
        for start in range(0, size, _SLICE)
    ]


class _StepPlan:
    """What Optimizer.step checked and sliced: the arrays it holds, by identity, and the slices."""

    def __init__(
        self,
        keys: tuple[str, ...],
        arrays: list[tuple[np.ndarray, ...]],
        slices: list[tuple[np.ndarray, ...]],
        reuse: bool,
    ) -> None:
        self.keys = keys
        self.arrays = arrays  # per key: (param, grad, *buffers)
        self.slices = slices  # (param, grad, *buffers, *work) views, every key's in turn
        self.reuse = reuse  # the gradients are the first work arrays

    def holds(
        self,
        params: Mapping[str, np.ndarray],
        grads: Mapping[str, np.ndarray],
        state: Mapping[str, Mapping[str, np.ndarray]],
    ) -> bool:
        """Whether params, grads and the buffers are the very arrays the plan was made for."""
        if len(params) != len(self.keys):
            return False
        buffers = tuple(state.values())
        for key, group in zip(self.keys, self.arrays):
            if params.get(key) is not group[0] or grads.get(key) is not group[1]:
                return False
            for buffer, array in zip(buffers, group[2:]):
                if buffer.get(key) is not array:
                    return False
        return True


class Optimizer:
    """Base class: the learning rate, the hyper-parameters and the per-parameter buffers.

    The hyper-parameters live in ``hyper`` (saved with the state) and read as attributes too
    (``self.momentum`` is ``self.hyper["momentum"]``), so ``update`` can be written as the book
    writes it. Each buffer named in ``buffers`` is a dict {parameter name: array} that reads as an
    attribute as well (``self.v`` is ``self.state["v"]``).
    """

    # Names of the per-parameter buffers this optimizer keeps, e.g. ("v",) for Momentum.
    buffers: tuple[str, ...] = ()

    def __init__(self, lr: float, **hyper: float) -> None:
        if not lr > 0:
            raise ValueError(
                _("{optimizer}: the learning rate must be positive, got {lr}").format(
                    optimizer=type(self).__name__, lr=lr
                )
            )
        self.lr = float(lr)
        self.hyper = {k: float(v) for k, v in hyper.items()}
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {b: {} for b in self.buffers}
        # step's work arrays per parameter (not state: nothing of a step is left in them)
        self._work: dict[str, tuple[np.ndarray, ...]] = {}
        self._plan: _StepPlan | None = None  # step's checked arrays and their slices

    def __getattr__(self, name: str) -> Any:
        # Only called for names not found the usual way: the hyper-parameters and the buffers.
        for table in (self.__dict__.get("hyper", {}), self.__dict__.get("state", {})):
            if name in table:
                return table[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        # `optimizer.eps = …` changes the saved hyper-parameter, not a copy that shadows it.
        hyper = self.__dict__.get("hyper")
        if hyper is not None and name in hyper:
            hyper[name] = float(value)
        else:
            super().__setattr__(name, value)

    def update(
        self, params: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        """One step: change every params[key] in place using grads[key] (same shape)."""
        raise NotImplementedError

    # How many work arrays per parameter _step_in_place takes (after its buffers, in each slice).
    work_arrays = 2

    # Whether _step_in_place may take the gradient as its first work array: it reads the gradient
    # only to compute that array, as SGD's and Momentum's η·∂L/∂W (step's reuse_grads).
    grad_as_work = False

    def step(
        self,
        params: MutableMapping[str, np.ndarray],
        grads: Mapping[str, np.ndarray],
        *,
        reuse_grads: bool = False,
    ) -> None:
        """The step the Trainer takes: ``update``'s numbers bit for bit.

        An optimizer whose book form makes parameter-sized temporaries has ``_step_in_place``: the
        same arithmetic into work arrays it keeps, over slices of a large parameter (see
        ``_in_slices``), 1.1-2.1x faster than the updates at 784 x 100 and 784 x 1000
        (benchmarks/bench_optimizer_steps.py). It runs where every gradient and buffer has its
        parameter's dtype and all are C-contiguous; otherwise update's arithmetic runs in another
        dtype or layout, and update itself is taken.

        The arrays are checked and sliced once and the result kept (a _StepPlan), for as long as
        the same arrays come back, as a net's gradient_unchecked hands them out: inside a training
        loop each Python call costs about twice what it costs alone, and a Trainer step at hidden
        100, batch 32 spent 35 µs in SGD's step when it checked every step, 27 µs with the plan.

        reuse_grads=True lets SGD and Momentum compute η·∂L/∂W into the gradient arrays, which
        then hold that product, not the gradient: for a caller whose gradients are overwritten by
        the next gradient call anyway, as the Trainer's are. A separate work array is one more
        parameter-sized array that the rest of a training step pushes out of the cache between
        steps: at hidden 100, batch 32 the step took 45 µs of a 255 µs Trainer step with its own
        array and 25 µs with the gradient's (the hand-written loop's `grad *= lr`).
        """
        reuse = reuse_grads and self.grad_as_work
        plan = self._plan
        if plan is None or plan.reuse != reuse or not plan.holds(params, grads, self.state):
            plan = self._plan = self._plan_for(params, grads, reuse)
            if plan is None:
                self.update(params, grads)
                return
        # Past __setattr__, which looks for a hyper-parameter of that name: one Python call less
        # (with holds' single state.values(), 4,500 of 1.48 M instructions a step at hidden 50,
        # batch 32: benchmarks/count_step_instructions.py).
        self.__dict__["iterations"] += 1
        self._step_in_place(plan.slices)  # _plan_for found it on the class

    def _plan_for(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], reuse: bool
    ) -> _StepPlan | None:
        """The slices step works on for these arrays, or None where update must run instead;
        with reuse, each gradient is its own first work array (sliced as the gradient is)."""
        # On the class: an instance's missing attribute would go through __getattr__'s search.
        if getattr(type(self), "_step_in_place", None) is None:
            return None
        self._check_and_start_buffers(params, grads)
        arrays = [
            (param, grads[key], *(self.state[b][key] for b in self.buffers))
            for key, param in params.items()
        ]
        for group in arrays:
            param = group[0]
            if not all(a.dtype == param.dtype and a.flags.c_contiguous for a in group):
                return None
        kept = self.work_arrays - reuse
        slices = [
            piece
            for key, group in zip(params, arrays)
            for piece in _in_slices(
                (*group, group[1]) if reuse else group, self._work_for(key, group[0], kept)
            )
        ]
        return _StepPlan(tuple(params), arrays, slices, reuse)

    def _work_for(self, key: str, param: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
        """count work arrays for _step_in_place, kept from step to step: of param's shape and
        dtype, or of one slice (see _in_slices) for a parameter that is stepped in slices."""
        shape = param.shape if param.size <= 2 * _SLICE else (_SLICE,)
        work = self._work.get(key)
        if (
            work is None
            or len(work) != count
            or (count > 0 and (work[0].shape, work[0].dtype) != (shape, param.dtype))
        ):
            work = self._work[key] = tuple(np.empty(shape, param.dtype) for _ in range(count))
        return work

    def _start_step(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        """Count the step, check that every gradient fits its parameter, and start missing buffers at 0."""
        self.iterations += 1
        self._check_and_start_buffers(params, grads)

    def _check_and_start_buffers(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        """Check that every gradient fits its parameter, and start missing buffers at 0."""
        for key, param in params.items():
            grad = grads[key]
            if grad.shape != param.shape:
                raise ValueError(
                    _(
                        "{optimizer}: gradient of {key} has shape {grad_shape}, "
                        "parameter has shape {param_shape}"
                    ).format(
                        optimizer=type(self).__name__,
                        key=key,
                        grad_shape=grad.shape,
                        param_shape=param.shape,
                    )
                )
        for arrays in self.state.values():
            for key in params.keys() - arrays.keys():
                arrays[key] = np.zeros_like(params[key])

    def state_dict(self) -> dict[str, float | np.ndarray]:
        """A flat {name: number or array}: "lr", the hyper-parameters, "iterations", "v/W1", …"""
        state: dict[str, float | np.ndarray] = {
            "lr": self.lr,
            "iterations": self.iterations,
            **self.hyper,
        }
        for b, arrays in self.state.items():
            state.update({f"{b}/{name}": a.copy() for name, a in arrays.items()})
        return state

    def load_state_dict(self, state: Mapping[str, float | np.ndarray]) -> None:
        """Restore what ``state_dict`` returned. Unknown or missing keys raise a ValueError listing them."""
        expected = {"lr", "iterations", *self.hyper}
        buffer_keys = {k for k in state if "/" in k}
        problems = [_("missing {key!r}").format(key=k) for k in sorted(expected - set(state))]
        problems += [
            _("unexpected {key!r}").format(key=k)
            for k in sorted(set(state) - expected - buffer_keys)
        ]
        problems += [
            _("unexpected buffer {key!r}").format(key=k)
            for k in sorted(buffer_keys)
            if k.split("/", 1)[0] not in self.buffers
        ]
        if problems:
            raise ValueError(f"{type(self).__name__}.load_state_dict: " + "; ".join(problems))
        self.lr = float(state["lr"])
        self.iterations = int(state["iterations"])
        self.hyper = {k: float(state[k]) for k in self.hyper}
        self.state = {b: {} for b in self.buffers}
        for key in buffer_keys:
            b, name = key.split("/", 1)
            self.state[b][name] = np.array(state[key])


# The updates below are the book's, line for line. A Python float (self.lr, 1 - self.beta1, …)
# times a float32 array gives float32 (NumPy rounds the number to the array's dtype), so
# training stays in float32 without casts; lr_t is computed with math.sqrt to stay such a float.


class SGD(Optimizer):
    """Stochastic gradient descent: W ← W - η ∂L/∂W (exercise 2_9)."""

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def update(
        self, params: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        self._start_step(params, grads)
        for key in params:
            # In place on purpose: the layers hold these same arrays and must see the new values.
            params[key] -= self.lr * grads[key]

    work_arrays = 1
    grad_as_work = True

    def _step_in_place(self, slices: list[tuple[np.ndarray, ...]]) -> None:
        """update's W ← W - η ∂L/∂W on each (W, ∂L/∂W, work) slice from Optimizer.step; the work
        array is the gradient itself under step's reuse_grads.

        Into a kept array: inside a training loop it beats update's one temporary even where the
        two time alike alone (a Trainer epoch at hidden 100, batch 32: 0.92 of the hand-written
        loop's speed against 0.89)."""
        for p, g, scaled in slices:
            p -= np.multiply(g, self.lr, out=scaled)


class Momentum(Optimizer):
    """v ← αv - η ∂L/∂W; W ← W + v. α (momentum) = 0.9 by default.

    v holds past steps with the learning rate each was made with, so a changed
    lr acts on new gradients only (torch.optim.SGD(momentum=α) rescales all of
    its velocity at once; multiply its buffer by lr_old / lr_new to match).
    """

    buffers = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr, momentum=momentum)

    def update(
        self, params: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        self._start_step(params, grads)
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]

    work_arrays = 1
    grad_as_work = True

    def _step_in_place(self, slices: list[tuple[np.ndarray, ...]]) -> None:
        """update's v ← αv - η ∂L/∂W; W ← W + v on each (W, ∂L/∂W, v, work) slice, in place."""
        for p, g, v, scaled in slices:
            v *= self.momentum
            v -= np.multiply(g, self.lr, out=scaled)
            p += v


class AdaGrad(Optimizer):
    """h ← h + g²; W ← W - η g / (√h + ε): each weight's step shrinks as its gradients add up."""

    buffers = ("h",)

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(lr, eps=eps)

    def update(
        self, params: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        self._start_step(params, grads)
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)

    def _step_in_place(self, slices: list[tuple[np.ndarray, ...]]) -> None:
        """update's h ← h + (∂L/∂W)²; W ← W - η ∂L/∂W / (√h + ε) on each (W, ∂L/∂W, h, work,
        work) slice, into the work arrays."""
        for p, g, h, a, b in slices:
            h += np.multiply(g, g, out=a)
            p -= _scaled_step(self.lr, g, h, self.eps, (a, b))


class RMSProp(Optimizer):
    """h ← ρh + (1 - ρ)g²; W ← W - η g / (√h + ε): AdaGrad that forgets old gradients."""

    buffers = ("h",)

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(lr, decay_rate=decay_rate, eps=eps)

    def update(
        self, params: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        self._start_step(params, grads)
        for key in params:
            self.h[key] *= self.decay_rate
            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)

    def _step_in_place(self, slices: list[tuple[np.ndarray, ...]]) -> None:
        """update's h ← ρh + (1 - ρ)(∂L/∂W)²; W ← W - η ∂L/∂W / (√h + ε) on each (W, ∂L/∂W, h,
        work, work) slice, into the work arrays."""
        for p, g, h, a, b in slices:
            h *= self.decay_rate
            squared = np.multiply(g, 1 - self.decay_rate, out=a)
            squared *= g  # ((1 - ρ) g) g, in update's order
            h += squared
            p -= _scaled_step(self.lr, g, h, self.eps, (a, b))


class Adam(Optimizer):
    """Momentum and RMSProp together, with the bias of the zero start corrected.

    The book's form: ε is added to √v before the bias correction, so at step t
    this is torch.optim.Adam with eps = ε / √(1 - β2ᵗ) (31.6 ε at step 1 for β2 = 0.999).
    """

    buffers = ("m", "v")

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr, beta1=beta1, beta2=beta2, eps=eps)

    def update(
        self, params: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        self._start_step(params, grads)
        lr_t = self._bias_corrected_lr()
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + self.eps)

    def _bias_corrected_lr(self) -> float:
        """η √(1 - β2ᵗ) / (1 - β1ᵗ) at this step t (a Python float, so float32 stays float32)."""
        beta1: float = self.beta1
        beta2: float = self.beta2
        return self.lr * math.sqrt(1.0 - beta2**self.iterations) / (1.0 - beta1**self.iterations)

    def _step_in_place(self, slices: list[tuple[np.ndarray, ...]]) -> None:
        """update's m, v and W on each (W, ∂L/∂W, m, v, work, work) slice, into the work arrays."""
        lr_t = self._bias_corrected_lr()
        for p, g, m, v, a, b in slices:
            np.subtract(g, m, out=a)
            a *= 1 - self.beta1
            m += a
            np.multiply(g, g, out=a)  # grad ** 2 is grad · grad, exactly
            a -= v
            a *= 1 - self.beta2
            v += a
            np.multiply(m, lr_t, out=a)
            np.sqrt(v, out=b)
            b += self.eps
            a /= b
            p -= a


def _scaled_step(
    lr: float, grad: np.ndarray, h: np.ndarray, eps: float, work: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """lr · grad / (√h + ε) in work[0], computed as update computes it."""
    scaled, root = work
    np.multiply(grad, lr, out=scaled)
    np.sqrt(h, out=root)
    root += eps
    scaled /= root
    return scaled


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, lr: float | None = None, **options: float) -> Optimizer:
    """An optimizer by name ("sgd", "momentum", "adagrad", "rmsprop", "adam"); lr None keeps its default."""
    key = name.lower()
    if key not in OPTIMIZERS:
        raise ValueError(
            _("unknown optimizer {name!r}; choose one of {choices}").format(
                name=name, choices=sorted(OPTIMIZERS)
            )
        )
    if lr is not None:
        options["lr"] = lr
    return OPTIMIZERS[key](**options)
