"""Checks of a learner's SimpleNet (2_7): predict(x) = x · W, the loss, and the gradient dL/dW."""

from __future__ import annotations

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import (
    describe,
    expect_close,
    expect_unchanged,
)
from deepkiso.check.names import (
    SUBJECT_BY_NAME,
    adapt,
    call_method,
    discover,
    find_array,
    find_method,
)
from deepkiso.check.net_models import _BACKPROP, _NUMERICAL, _loss
from deepkiso.check.registry import Context, Failure, Skip, check
from deepkiso.check.remote import FACTS, fact
from deepkiso.i18n import N_, _

# --------------------------------------------------------------------------- SimpleNet


def _helper(session, obj, subject: str):
    """(the learner's name, their function made callable the course's way) of a helper in the file; else None.

    A fact of the checking process, which holds the learner's module (``remote.fact``).
    """
    namespace = session.namespace if session is not None else {}
    found = discover(namespace, [SUBJECT_BY_NAME[subject]])
    if not found:
        return None
    name = found[subject]
    return name, adapt(subject, namespace[name])[0]


FACTS["helper"] = _helper


def _simple_net(ctx: Context):
    net = ctx.obj()
    found = find_array(net, ("W", "w"), ("params",), ("W", "w"))
    if found is None or not isinstance(found[1], np.ndarray):
        raise Failure(
            _("{name}() has no weight array self.W (or self.params['W'])").format(name=ctx.name),
            _("W of shape (2, 3)"),
            describe(found[1]) if found else _("nothing"),
        )
    where, W = found
    if W.shape != (2, 3):
        raise Failure(
            _("{where} has shape {shape}").format(where=where, shape=W.shape),
            _("shape (2, 3): 2 inputs, 3 classes"),
            describe(W),
        )
    W[...] = ctx.rng.standard_normal((2, 3))  # in place: the net keeps reading its own array
    return net, where, W


_X_ONE, _T_ONE = np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])


@check("SimpleNet", "2_7", N_("predict(x) = x · W"))
def simplenet_predict(ctx: Context) -> None:
    net, _where, W = _simple_net(ctx)
    method = find_method(net, ("predict", "forward"))
    if method is None:
        raise Failure(
            _("{name} has no {method} method").format(name=ctx.name, method="predict"),
            "predict(x) = x · W",
            _("nothing"),
        )
    scores = call_method(method[1], _X_ONE.copy(), training=False)
    expect_close(scores, _X_ONE @ W, _("{method}(x) for x = [0.6, 0.9]").format(method=method[0]))


@check("SimpleNet", "2_7", N_("loss(x, t) = cross-entropy of softmax(x · W)"))
def simplenet_loss(ctx: Context) -> None:
    net, _where, W = _simple_net(ctx)
    expected = F.softmax_cross_entropy(_X_ONE @ W, _T_ONE)
    expect_close(
        _loss(net, _X_ONE, _T_ONE),
        expected,
        _("loss(x, t) for x = [0.6, 0.9], t = [0, 0, 1]"),
        rtol=1e-5,
        atol=1e-6,
        causes=[(_("the minus sign is missing: E = -Σ t log y"), -expected)],
    )


@check("SimpleNet", "2_7", N_("the gradient dL/dW"))
def simplenet_gradient(ctx: Context) -> None:
    net, where, W = _simple_net(ctx)
    kept = W.copy()
    method = find_method(net, (*_NUMERICAL, *_BACKPROP))
    if method is not None:
        what = f"{method[0]}(x, t)"
        result = method[1](_X_ONE.copy(), _T_ONE.copy())
        dW = result.get("W", result.get("w")) if isinstance(result, dict) else result
    else:
        helper = fact(ctx.obj, "helper", "numerical_gradient")
        if helper is None:
            raise Skip(
                _(
                    "{name} has no numerical_gradient method and the file no numerical_gradient "
                    "function"
                ).format(name=ctx.name)
            )
        learner_name, learners = helper
        what = f"{learner_name}(lambda w: net.loss(x, t), {where})"
        dW = learners(lambda w: net.loss(_X_ONE.copy(), _T_ONE.copy()), W)
    expect_unchanged(
        kept,
        W,
        _("{where} after {what}").format(where=where, what=what),
        _("numerical_gradient leaves W perturbed: put the original value back (x[idx] = tmp_val)"),
    )
    expected = np.outer(_X_ONE, F.softmax(_X_ONE @ W) - _T_ONE)
    expect_close(
        dW,
        expected,
        _("dL/dW from {what}").format(what=what),
        rtol=1e-4,
        atol=1e-6,
        causes=[
            (
                _(
                    "the gradient is all zeros: numerical_gradient perturbs a copy of W, which loss "
                    "never reads; perturb W itself, in place, and restore it"
                ),
                np.zeros((2, 3)),
            )
        ],
    )
