"""Live Docker streams: container logs, attach and exec terminals (see containers/README.md).

A package of layers whose imports point only down: options.py and wire.py are pure;
sockets.py opens the engine's streams (the only module that touches docker-py's and urllib3's
internals); pump.py bridges a reader and a consumer; logs.py, terminals.py and exec.py are the
three interactive stream kinds, stats.py reads a container's stats for the collector
(containers/stats.py). The names other code uses are re-exported here (`streams.X`).
"""

from containers.streams.exec import ExecSession
from containers.streams.logs import LogDriverUnreadable, read_logs, relay_logs, unreadable_log
from containers.streams.options import DEFAULT_TAIL, LogOptions, LogWindow, engine_time_from_rfc3339
from containers.streams.pump import EOF, Pump, StateChange, StreamError
from containers.streams.sockets import engine_socket_path
from containers.streams.terminals import AttachSession
from containers.streams.wire import FrameParser, LineAssembler, LogBytes, dumps

__all__ = [
    "DEFAULT_TAIL",
    "EOF",
    "AttachSession",
    "ExecSession",
    "FrameParser",
    "LineAssembler",
    "LogBytes",
    "LogDriverUnreadable",
    "LogOptions",
    "LogWindow",
    "Pump",
    "StateChange",
    "StreamError",
    "dumps",
    "engine_socket_path",
    "engine_time_from_rfc3339",
    "read_logs",
    "relay_logs",
    "unreadable_log",
]
