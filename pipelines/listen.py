#!/usr/bin/python3
"""Run a pipeline with egoaction and print each result as a JSON line.

    pipelines/listen.py [PIPELINE]

PIPELINE is a gst-launch description with an egoaction in it; by default a
test source. Uses Debian's python3-gst-1.0 (run with /usr/bin/python3).
Example:
    pipelines/listen.py "filesrc location=in.mp4 ! decodebin ! videoconvert ! \
        egoaction model=student.safetensors ! fakesink"
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

DEFAULT = ("videotestsrc num-buffers=120 ! video/x-raw,width=320,height=240 "
           "! videoconvert ! egoaction ! fakesink")


def to_plain(value):
    """GStreamer values (lists of structures) to JSON-able ones."""
    if isinstance(value, Gst.Structure):
        return {value.nth_field_name(i): to_plain(value.get_value(
            value.nth_field_name(i))) for i in range(value.n_fields())}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ValueList":
        return [to_plain(v) for v in value]
    return value


def main():
    Gst.init(None)
    pipeline = Gst.parse_launch(sys.argv[1] if len(sys.argv) > 1 else DEFAULT)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    status = 0
    while True:
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE,
                                     Gst.MessageType.ELEMENT
                                     | Gst.MessageType.EOS
                                     | Gst.MessageType.ERROR)
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print(f"listen.py: {err.message} ({dbg})", file=sys.stderr)
            status = 1
            break
        s = msg.get_structure()
        if s is not None and s.get_name() == "egoaction":
            print(json.dumps(to_plain(s)), flush=True)
    pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main())
