"""The shared listening socket of several server processes gives connections TCP_NODELAY."""

from __future__ import annotations

import asyncio
import socket

import pytest

from vulndesk.entrypoints.api.serving import tcp_labelled


def _bound() -> socket.socket:
    # As uvicorn binds the socket it shares between processes: protocol left at 0.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _nodelay_of_accepted(sock: socket.socket) -> int:
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = writer.get_extra_info("socket")
        seen.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=sock)
    port = sock.getsockname()[1]
    _r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(seen, 10)
    finally:
        w.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("labelled", [False, True])
def test_connections_get_nodelay_only_from_a_tcp_labelled_socket(labelled: bool) -> None:
    sock = _bound()
    if labelled:
        sock = tcp_labelled(sock)
        assert sock.proto == socket.IPPROTO_TCP
    nodelay = asyncio.run(_nodelay_of_accepted(sock))
    # Unlabelled, asyncio leaves Nagle on: each two-write response waits for a delayed ACK.
    assert bool(nodelay) is labelled


def test_a_unix_socket_is_left_as_it_is() -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        assert tcp_labelled(sock) is sock
    finally:
        sock.close()
