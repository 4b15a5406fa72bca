"""Several server processes sharing one listening socket, with TCP_NODELAY on every connection.

uvicorn binds the shared socket with protocol 0, and asyncio sets TCP_NODELAY only on
connections accepted from a socket whose protocol is IPPROTO_TCP. Without it, a response sent
as two writes (head, then body) waits for the client's delayed ACK: about 40 ms per request,
which held two processes to a fifth of what one served. The socket is re-labelled (same
descriptor) before the processes start.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


def tcp_labelled(sock: socket.socket) -> socket.socket:
    """The same listening socket, labelled IPPROTO_TCP when it is a TCP socket."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def run_processes(app: str, workers: int, **options: Any) -> None:
    """Serve the factory `app` ("module:function") from `workers` processes until stopped."""
    config = uvicorn.Config(app, factory=True, workers=workers, **options)
    sock = tcp_labelled(config.bind_socket())
    Multiprocess(config, sockets=[sock]).run()
