"""Several server processes: each listens on its own socket, connections spread across them.

The fallback (one shared socket) gives connections TCP_NODELAY.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.e2e.cli import free_port
from tests.waiting import STARTUP
from vulndesk.entrypoints.api.serving import own_sockets, reuse_port_socket, tcp_labelled

ROOT = Path(__file__).resolve().parents[2]


def pid_app() -> FastAPI:
    """A server process that says which process it is."""
    app = FastAPI()

    @app.get("/pid")
    def pid() -> dict[str, int]:
        return {"pid": os.getpid()}

    return app


def _serve(port: int, workers: int = 2) -> subprocess.Popen[str]:
    script = (
        "from vulndesk.entrypoints.api.serving import run_processes; "
        f"run_processes('tests.integration.test_serving:pid_app', {workers}, "
        f"host='127.0.0.1', port={port}, log_level='warning')"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def _pids_of_simultaneous_connections(port: int, count: int) -> list[int]:
    """Open `count` keep-alive connections at once (as a load of clients does), ask each
    which process serves it."""
    conns = await asyncio.gather(
        *(asyncio.open_connection("127.0.0.1", port) for _ in range(count))
    )
    pids = []
    for reader, writer in conns:
        writer.write(b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        body = await reader.readexactly(length)
        pids.append(int(body.split(b":")[1].strip(b"}")))
    for _reader, writer in conns:
        writer.close()
    return pids


def _wait_listening(port: int, proc: subprocess.Popen[str], workers: int) -> None:
    deadline = time.monotonic() + STARTUP
    while len(set(asyncio.run(_pids_or_none(port)))) < workers:
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the server processes did not all start"
        time.sleep(0.3)


async def _pids_or_none(port: int) -> list[int]:
    try:
        return await _pids_of_simultaneous_connections(port, 16)
    except OSError:
        return []


def test_connections_opened_together_spread_over_the_processes() -> None:
    port = free_port()
    proc = _serve(port)
    try:
        _wait_listening(port, proc, 2)  # both processes listen
        # 32 clients connecting at once: with one shared socket the first process to wake
        # accepted them all; each process's own socket gets a share of them from the kernel.
        for _round in range(3):
            pids = asyncio.run(_pids_of_simultaneous_connections(port, 32))
            counts = sorted(pids.count(p) for p in set(pids))
            assert len(counts) == 2, counts
            # Fewer than 4 of 32 by a fair coin: about 3 rounds in a million.
            assert counts[0] >= 4, counts
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_a_busy_port_stops_the_supervisor_with_the_reason() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = _serve(taken.getsockname()[1])
        output = proc.communicate(timeout=120)[0]
    assert proc.returncode != 0
    assert "cannot listen on 127.0.0.1" in output


def test_each_process_gets_its_own_socket_on_the_reserved_address() -> None:
    reserved = reuse_port_socket(socket.AF_INET, ("127.0.0.1", 0))
    address = reserved.getsockname()
    copy = socket.socket(fileno=os.dup(reserved.fileno()))  # what a process inherits
    try:
        (own,) = own_sockets([copy])
        try:
            assert own.getsockname() == address
            assert own.fileno() != reserved.fileno()
            assert own.proto == socket.IPPROTO_TCP  # accepted connections get TCP_NODELAY
            assert own.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert copy.fileno() == -1  # the inherited copy is closed in the process
            assert reserved.getsockname() == address  # the supervisor's stays bound
        finally:
            own.close()
    finally:
        reserved.close()


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
