"""The boundary between a check and the learner's code: recorded in one process, replayed in the grader.

Each test runs a small "check" (a function of the root proxy) once against a
RecordingSession on real learner objects, sends the replies through JSON as
the pipe would, and runs it again on a ReplaySession: both runs must see the
same values, and the replayed one must not need the learner's objects.
"""

import json

import numpy as np
import pytest

from deepkiso.check.answers import InvalidTranscript
from deepkiso.check.recording import RecordingSession
from deepkiso.check.remote import ReplaySession, class_of, fact, is_remote
from deepkiso.check.timeouts import StepTimeout


class Layer:  # a learner's layer
    def __init__(self, W):
        self.W = W
        self.params = {"W": W}

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, dout):
        self.dW = self.x.T @ dout
        return dout @ self.W.T

    def perturb(self):
        self.W += 1.0  # in place, as a numerical gradient does (and should undo)

    def update(self, params, grads):
        for key in params:
            params[key] -= 0.1 * grads[key]

    def rebind(self, params):
        params["W"] = params["W"] * 2

    def fail(self):
        raise KeyError("W9")


def record_and_replay(check, root):
    """(what check returned while recording, what it returned on the replay, the replies)."""
    replies = []
    recording = RecordingSession(
        lambda r: replies.append(json.loads(json.dumps(r))), root, lambda exc: "", str
    )
    first = check(recording.root())
    replay = ReplaySession(replies)
    second = check(replay.root())
    assert replay.leftover() == []
    return first, second, replies


def same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return type(a) is type(b) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_calls_attributes_and_results_are_the_same_values_on_both_sides():
    def check(cls):
        layer = cls(np.arange(6.0).reshape(2, 3))
        y = layer.forward(np.ones((4, 2)))
        dx = layer.backward(np.ones((4, 3)))
        return y, dx, layer.dW, layer.params, np.float32(2.5), callable(layer.forward)

    first, second, _ = record_and_replay(check, Layer)
    assert same(first, second)
    assert same(second[0], np.ones((4, 2)) @ np.arange(6.0).reshape(2, 3))


def test_a_call_that_changes_the_checks_own_arguments_changes_them_in_the_grader_too():
    def check(cls):
        layer = cls(np.zeros((2, 2)))
        params = {"W": np.ones((2, 2)), "b": np.ones(2)}
        kept = params["W"]
        layer.update(params, {"W": np.full((2, 2), 10.0), "b": np.ones(2)})
        layer.rebind(params)  # a new array in the check's dict: the old one is no longer there
        return params, kept, params["W"] is kept

    first, second, _ = record_and_replay(check, Layer)
    assert same(first, second)
    assert same(second[1], np.zeros((2, 2))) and second[2] is False


def test_the_learners_in_place_changes_reach_the_checks_copies_and_back():
    def check(cls):
        layer = cls(np.zeros((2, 2)))
        W = layer.W  # the check's copy of the learner's array
        layer.perturb()  # the learner changes its own array: the copy follows
        after_perturb = W.copy()
        W[...] = 5.0  # the check changes its copy in place: the learner's array follows
        return after_perturb, layer.forward(np.eye(2))

    first, second, _ = record_and_replay(check, Layer)
    assert same(first, second)
    assert same(second[0], np.ones((2, 2))) and same(second[1], np.full((2, 2), 5.0))


def test_the_learners_exceptions_are_rebuilt_with_their_type_base_and_text():
    def check(cls):
        layer = cls(np.zeros(1))
        try:
            layer.fail()
        except KeyError as exc:
            return type(exc).__name__, str(exc)
        return None

    first, second, _ = record_and_replay(check, Layer)
    assert first == second == ("KeyError", "'W9'")


def test_signatures_facts_and_classes_travel_as_plain_values():
    def check(cls):
        layer = cls(np.zeros((1, 1)))
        import inspect

        return (
            list(inspect.signature(layer.update).parameters),
            is_remote(class_of(layer)),
            fact(layer, "echo", 3),
        )

    from deepkiso.check.remote import FACTS

    FACTS["echo"] = lambda session, obj, n: f"{type(obj).__name__} {n}"
    try:
        first, second, _ = record_and_replay(check, Layer)
    finally:
        del FACTS["echo"]
    assert first == second == (["params", "grads"], True, "Layer 3")


def test_a_timeout_in_the_learners_code_is_a_timeout_in_the_grader_at_the_same_place():
    class Slow:
        def __call__(self):
            raise StepTimeout(2.0)

    def check(obj):
        try:
            obj()
        except StepTimeout as exc:
            return exc.seconds
        return None

    first, second, _ = record_and_replay(check, Slow())
    assert first == second == 2.0


def _replies(check, root):
    return record_and_replay(check, root)[2]


def _forward_check(cls):
    return cls(np.eye(2)).forward(np.ones((1, 2)))


@pytest.mark.parametrize(
    "tamper, why",
    [
        (lambda r: r[1].update(op=["getattr", 1, "backward"]), "where the check asked"),
        (lambda r: r.pop(), "no answer"),
        (lambda r: r.append(r[-1]), None),  # an answer nobody asked for
        (lambda r: r[-1].update(value={"a": "not base64!"}), "does not load"),
        (lambda r: r[-1].update(value={"a": 3}), "not .npy bytes"),
        (lambda r: r[1].update(value={"h": 7, "k": "object"}), "handle out of order"),
        (lambda r: r[1].update(value={"h": 1, "k": "bomb"}), "handle out of order"),
        (lambda r: r[-1].update(value={"x": 1}), "unknown value"),
        (lambda r: r[-1].update(value=None, extra=1), "unknown fields"),
        (lambda r: r[-1].pop("value"), "without a value"),
        (lambda r: r[-1].update(changes=[{"i": 9, "a": ""}]), "unknown argument"),
        (
            lambda r: r[-1].update(raise_={"type": "X", "base": "KeyboardInterrupt"}),
            "unknown fields",
        ),
        (
            lambda r: r[-1].update(
                {"raise": {"type": "X", "base": "os", "text": "", "location": ""}}
            ),
            "unknown base",
        ),
    ],
)
def test_replies_that_do_not_fit_the_check_are_invalid_never_a_crash(tamper, why):
    replies = _replies(_forward_check, Layer)
    tamper(replies)
    replay = ReplaySession(replies)
    if why is None:
        _forward_check(replay.root())
        assert replay.leftover()
        return
    with pytest.raises(InvalidTranscript, match=why):
        _forward_check(replay.root())


def test_a_pickle_is_never_loaded():
    """An object array's .npy bytes hold a pickle: refused, not loaded."""
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    replies = _replies(_forward_check, Layer)
    replies[-1]["value"] = {"a": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(InvalidTranscript, match="does not load"):
        _forward_check(ReplaySession(replies).root())
