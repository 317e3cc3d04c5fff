"""A small HTTP/1.1 keep-alive client on asyncio streams.

httpx costs about 2 ms of client CPU per request on this kind of machine; on 2 cores that is CPU taken from the
services being measured. This client writes requests by hand and reads Content-Length bodies (uvicorn's answers),
costing a few tens of microseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from urllib.parse import urlsplit

import orjson

IDLE_LIMIT = 4.0  # uvicorn closes keep-alive connections idle for 5 s


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = time.monotonic()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class Client:
    """Sends requests to one host over a pool of keep-alive connections (one per request in flight)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self._idle: list[_Conn] = []
        self._host_header = f"Host: {self.host}:{self.port}\r\n".encode()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every idle connection."""
        for conn in self._idle:
            conn.close()
        self._idle.clear()

    async def _get(self) -> _Conn:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if now - conn.used < IDLE_LIMIT and not conn.reader.at_eof():
                return conn
            conn.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Conn(reader, writer)

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request and return (status, body)."""
        payload = b"" if body is None else orjson.dumps(body)
        head = [f"{method} {path} HTTP/1.1\r\n".encode(), self._host_header]
        for key, value in (headers or {}).items():
            head.append(f"{key}: {value}\r\n".encode())
        if body is not None:
            head.append(b"Content-Type: application/json\r\n")
        head.append(f"Content-Length: {len(payload)}\r\n\r\n".encode())
        conn = await self._get()
        try:
            conn.writer.write(b"".join(head) + payload)
            status, data = await asyncio.wait_for(self._read(conn.reader), self.timeout)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            conn.close()
            raise HttpError(f"{method} {path}: {type(exc).__name__} {exc}") from exc
        conn.used = time.monotonic()
        self._idle.append(conn)
        return status, data

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        marker = lowered.find(b"\r\ncontent-length:")
        if marker < 0:
            raise ValueError("answer without Content-Length")
        end = lowered.index(b"\r\n", marker + 2)
        length = int(lowered[marker + 17 : end].strip())
        return status, await reader.readexactly(length)

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST a JSON body."""
        return await self.request("POST", path, body, headers)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """GET."""
        return await self.request("GET", path, None, headers)
