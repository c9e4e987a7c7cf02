"""What the SDK tests share: the server under test (from the environment the test command
sets), a bookable service, a webhook receiver and a proxy that drops a connection."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from cadence_client import CadenceClient


def _must(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the SDK tests with bash scripts/sdk-test.sh")
    return value


BASE_URL = _must("CADENCE_BASE_URL")
API_KEY = _must("CADENCE_ORG_API_KEY")
SLUG = _must("CADENCE_ORG_SLUG")
READ_ONLY_KEY = _must("CADENCE_READ_ONLY_KEY")
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def cad() -> AsyncIterator[CadenceClient]:
    async with CadenceClient(BASE_URL, api_key=API_KEY) as client:
        yield client


async def bookable_service(cad: CadenceClient, name: str):
    """A practitioner working 06:00–22:00 every day and a 15-minute service only they perform."""
    hours = {day: [{"start": "06:00", "end": "22:00"}] for day in DAYS}
    practitioner = await cad.create_practitioner(name=f"{name} practitioner", weekly_hours=hours)
    service = await cad.create_service(
        name=name, duration_minutes=15, min_notice_minutes=0, practitioner_ids=[practitioner.id]
    )
    return service, practitioner


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request's headers and raw body."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/cadence"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    async def wait_for(self, predicate, seconds: float = 20.0):
        for _ in range(int(seconds * 10)):
            for hit in list(self.received):
                if predicate(*hit):
                    return hit
            await asyncio.sleep(0.1)
        raise AssertionError(f"no matching delivery within {seconds} s (got {len(self.received)})")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class DroppingProxy:
    """A TCP proxy to the server that, for the first ``drops`` connections, passes the
    request on and closes the client's side as soon as the server starts answering: the
    server has done the work, the client hears nothing. Later connections pass through."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = urlsplit(BASE_URL)
        up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        drop = self.drops > 0
        self.drops -= 1

        async def client_to_server() -> None:
            while chunk := await reader.read(65536):
                self.requests.append(chunk)
                up_writer.write(chunk)
                await up_writer.drain()

        async def server_to_client() -> None:
            while chunk := await up_reader.read(65536):
                if drop:
                    return
                writer.write(chunk)
                await writer.drain()

        tasks = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for w in (writer, up_writer):
            w.close()

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()


@pytest.fixture
async def dropping_proxy() -> AsyncIterator[DroppingProxy]:
    proxy = DroppingProxy(drops=1)
    await proxy.start()
    yield proxy
    await proxy.close()


def header_of(raw_request: bytes, name: str) -> str | None:
    for line in raw_request.decode("latin-1").split("\r\n"):
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None
