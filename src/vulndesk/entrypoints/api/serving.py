"""Several server processes on one port, each with its own listening socket.

uvicorn's own `--workers` shares one listening socket between its processes. Two things go
wrong with that on a busy server:

- Connections wait for the process that wakes first, and an event loop accepts every pending
  connection at once: keep-alive clients that connect together all land in one process, which
  then serves them on one core while the other processes idle.
- uvicorn binds the shared socket with protocol 0, and asyncio sets TCP_NODELAY only on
  connections accepted from a socket whose protocol is IPPROTO_TCP. Without it, a response
  sent as two writes (head, then body) waits for the client's delayed ACK: about 40 ms.

Here the supervisor binds the address once (reserving it and reporting a busy port before
any process starts) without listening, and each process listens on a socket of its own bound
to the same address with SO_REUSEPORT: the kernel spreads new connections across the
processes by their addresses. Linux admits to the group only sockets of the same user, so
another user's process cannot take a share of the connections. Where SO_REUSEPORT is missing,
the processes share one TCP-labelled socket as before.
"""

from __future__ import annotations

import copy
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors import multiprocess as _supervisor

REUSE_PORT = getattr(socket, "SO_REUSEPORT", None)
_log = logging.getLogger("uvicorn.error")


def tcp_labelled(sock: socket.socket) -> socket.socket:
    """The same listening socket, labelled IPPROTO_TCP when it is a TCP socket."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def reuse_port_socket(family: socket.AddressFamily, address: Any) -> socket.socket:
    """A TCP socket with SO_REUSEADDR and SO_REUSEPORT, bound to `address`, not listening."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, REUSE_PORT or 0, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def own_sockets(inherited: list[socket.socket]) -> list[socket.socket]:
    """In a server process: a socket of its own for each address the supervisor reserved."""
    own = []
    for sock in inherited:
        own.append(reuse_port_socket(sock.family, sock.getsockname()))
        sock.close()  # this process's copy only: the supervisor keeps the address reserved
    return own


class _OwnSocketProcess(_supervisor.Process):
    """uvicorn's server process, listening on a socket of its own (see the module)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        super().target(own_sockets(sockets or []))


def log_config(path: Path | None, fmt: str = "text") -> dict[str, Any]:
    """uvicorn's logging, to `path` (made 0600 in a 0700 directory) or stderr when None.

    Every server process appends to the same file; each line is one write. With `fmt` "json"
    every line is a JSON object (observability.JsonFormatter) carrying the request id, and
    vulndesk's own access line (method, path, status, duration) replaces uvicorn's.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["use_colors"] = False
    if path is not None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        for name, handler in config["handlers"].items():
            config["handlers"][name] = {
                "class": "logging.FileHandler",
                "formatter": handler["formatter"],
                "filename": str(path),
                "encoding": "utf-8",
            }
    if fmt == "json":
        json_formatter = {"()": "vulndesk.entrypoints.api.observability.JsonFormatter"}
        config["formatters"] = {"default": json_formatter, "access": dict(json_formatter)}
        config["loggers"]["vulndesk"] = {
            "handlers": ["default"],
            "level": "INFO",
            "propagate": False,
        }
    return config


def run_processes(app: str, workers: int, **options: Any) -> None:
    """Serve the factory `app` ("module:function") from `workers` processes until stopped."""
    config = uvicorn.Config(app, factory=True, workers=workers, **options)
    if REUSE_PORT is None or config.uds is not None or config.fd is not None:
        Multiprocess(config, sockets=[tcp_labelled(config.bind_socket())]).run()
        return
    family = socket.AF_INET6 if config.host and ":" in config.host else socket.AF_INET
    try:
        reserved = reuse_port_socket(family, (config.host, config.port))
    except OSError as exc:
        _log.error("cannot listen on %s:%s: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    # uvicorn's supervisor builds its processes from this module-level name, on start and on
    # every restart; the swap lasts as long as this supervisor runs.
    plain, _supervisor.Process = _supervisor.Process, _OwnSocketProcess  # type: ignore[misc]
    try:
        Multiprocess(config, sockets=[reserved]).run()
    finally:
        _supervisor.Process = plain  # type: ignore[misc]
        reserved.close()
