"""The framed, validated events between the checking process and the grader."""

import json
import os
import struct

import pytest

from deepkiso.check.protocol import (
    MAX_FRAME_BYTES,
    FramedChannel,
    FrameReader,
    InvalidEvent,
    validate,
)
from deepkiso.check.report import Result


def frame(event) -> bytes:
    body = json.dumps(event).encode()
    return struct.pack(">I", len(body)) + body


def test_events_sent_on_a_channel_come_back_validated_even_in_pieces():
    read_fd, write_fd = os.pipe()
    channel = FramedChannel(write_fd)
    channel.send(event="step", what="loading", check=None, seconds=2.0)
    channel.send(
        event="result", result=Result(id="a.b", subject="a", title="t", status="fail").to_dict()
    )
    channel.send(event="done")
    os.close(write_fd)
    data = os.read(read_fd, 1 << 16)
    os.close(read_fd)
    reader, events = FrameReader(), []
    for i in range(len(data)):  # one byte at a time: a frame is only taken out once whole
        reader.feed(data[i : i + 1])
        events.extend(reader.events())
    assert [e["event"] for e in events] == ["step", "result", "done"]
    assert events[1]["result"] == Result(id="a.b", subject="a", title="t", status="fail")
    assert not reader.leftover()


@pytest.mark.parametrize(
    "event, why",
    [
        ({"event": "nope"}, "unknown event"),
        ({"what": "x"}, "unknown event"),
        ({"event": "step", "what": "x", "check": None}, "'seconds'"),
        ({"event": "step", "what": "x", "check": None, "seconds": True}, "'seconds'"),
        ({"event": "step", "what": "x", "check": None, "seconds": -1}, "time limit"),
        ({"event": "step", "what": "x", "check": 5, "seconds": 1}, "'check'"),
        ({"event": "result", "result": {"id": "a"}}, "'subject'"),
        (
            {
                "event": "result",
                "result": {"id": "a", "subject": "s", "title": "t", "status": "won"},
            },
            "the status 'won'",
        ),
        (
            {
                "event": "result",
                "result": {"id": "a", "subject": "s", "title": "t", "status": "pass"},
            },
            "the status 'pass'",
        ),
        (
            {
                "event": "result",
                "result": {"id": "a", "subject": "s", "title": "t", "status": "pass", "x": "1"},
            },
            "unknown fields",
        ),
        (
            {
                "event": "result",
                "result": {"id": "a", "subject": "s", "title": "t", "status": "fail", "cause": 3},
            },
            "not strings",
        ),
        (
            {"event": "found", "found": {"Affine": 1}, "names": {"Affine": "x"}, "missing": []},
            "not strings",
        ),
        ({"event": "found", "found": {}, "names": {}, "missing": "Affine"}, "'missing'"),
        ({"event": "found", "found": {}, "missing": []}, "'names'"),
        ({"event": "reply", "check": "Affine.forward_batch"}, "'reply'"),
        ({"event": "reply", "check": 3, "reply": {}}, "'check'"),
        ({"event": "ended"}, "'check'"),
        ({"event": "done", "extra": 1}, "unknown fields"),
    ],
)
def test_each_invalid_event_says_what_is_wrong(event, why):
    with pytest.raises(InvalidEvent, match=why):
        validate(event)


@pytest.mark.parametrize(
    "data, why",
    [
        (struct.pack(">I", 3) + b"{x}", "not JSON"),
        (struct.pack(">I", 2) + b"\xff\xfe", "not JSON"),
        (struct.pack(">I", 2) + b"[]", "JSON list"),
        (struct.pack(">I", MAX_FRAME_BYTES + 1), f"{MAX_FRAME_BYTES + 1} bytes"),
    ],
)
def test_malformed_and_oversized_frames_are_invalid(data, why):
    reader = FrameReader()
    with pytest.raises(InvalidEvent, match=why):
        reader.feed(data)
        list(reader.events())


def test_a_frame_cut_short_is_left_over():
    reader = FrameReader()
    reader.feed(frame({"event": "done"})[:-1])
    assert list(reader.events()) == [] and reader.leftover()
