"""A small HTTP/1.1 load generator: keep-alive connections, pre-built requests, latencies.

The benchmarks run client and server on the same two cores, so the client must cost little:
a general-purpose client (httpx) spends more CPU per request than the bare endpoint it
measures. This one writes prepared bytes and reads a status line, headers and a
Content-Length body; it understands exactly what uvicorn sends back and nothing more.

With several server processes each listening on its own SO_REUSEPORT socket, the kernel
puts each new connection on a process by a hash of its addresses: with 8 connections, two
processes get 5 and 3 or worse in most runs, and the busier one caps the rate while the other
idles. `drive(..., spread=Spread(probe, processes))` asks each new connection which process
serves it and keeps an equal number on each (a load balancer in front of the processes, or
many clients, would spread the load so); connections beyond a process's share are closed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def build_request(
    method: str, path: str, host: str, body: Any = None, headers: dict[str, str] | None = None
) -> bytes:
    """The bytes of one request; `body` is sent as JSON when given."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass(frozen=True)
class Spread:
    """Keep `drive`'s connections equally on `processes` server processes: `probe` is a
    request whose 200 response body names the process that answered it."""

    probe: bytes
    processes: int
    attempts: int = 64  # connections opened per connection kept, at most


@dataclass
class Outcome:
    """What a run saw: latencies (seconds) of expected responses, other statuses, bodies."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] * 1000


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _spread_connections(
    host: str, port: int, clients: int, spread: Spread
) -> list[Connection]:
    """`clients` connections, as equally as they divide, on `spread.processes` processes."""
    share = -(-clients // spread.processes)  # a process keeps at most this many
    kept: list[Connection] = []
    per_process: dict[bytes, int] = {}
    for _ in range(clients * spread.attempts):
        if len(kept) == clients:
            return kept
        reader, writer = await asyncio.open_connection(host, port)
        status, body = await _exchange(reader, writer, spread.probe)
        if status != 200:
            writer.close()
            raise RuntimeError(f"the process probe answered {status}")
        if per_process.get(body, 0) < share:
            per_process[body] = per_process.get(body, 0) + 1
            kept.append((reader, writer))
        else:
            writer.close()
    for _reader, writer in kept:
        writer.close()
    raise RuntimeError(
        f"could not spread {clients} connections over {spread.processes} processes: "
        f"{len(per_process)} answered"
    )


async def drive(
    host: str,
    port: int,
    make: Callable[[int, int], bytes],
    *,
    clients: int,
    seconds: float,
    expect: int,
    keep_bodies: bool = False,
    spread: Spread | None = None,
) -> Outcome:
    """`clients` connections, each sending `make(client, i)` in a loop for `seconds`; with
    `spread`, equally many on each server process (see the module)."""
    out = Outcome(seconds)
    if spread is None:
        opened = [await asyncio.open_connection(host, port) for _ in range(clients)]
    else:
        opened = await _spread_connections(host, port, clients, spread)
    deadline = time.perf_counter() + seconds

    async def loop(n: int) -> None:
        reader, writer = opened[n]
        try:
            i = 0
            while time.perf_counter() < deadline:
                i += 1
                raw = make(n, i)
                t0 = time.perf_counter()
                status, body = await _exchange(reader, writer, raw)
                if status == expect:
                    out.latencies.append(time.perf_counter() - t0)
                    if keep_bodies:
                        out.bodies.append(body)
                else:
                    out.errors[status] = out.errors.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(loop(n) for n in range(clients)))
    return out
