"""The HTTP transport: JSON in and out, typed errors, and safe retries.

Every POST carries an ``Idempotency-Key`` (the caller's, else one generated per call) that
stays the same across that call's retries, so a retried booking is booked once. Retried: no
answer (connection refused, dropped, timed out), 408, 429 (after its ``Retry-After``), 409
``idempotency_key_in_flight`` (the first attempt is still running) and 5xx, with exponential
backoff and jitter, ``max_retries`` times (default 2). A retried DELETE that answers 404 had
deleted on an earlier attempt, and counts as done.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import date, datetime
from typing import Any

import httpx
from pydantic import BaseModel

from ._errors import APIConnectionError, CadenceError, RateLimitError, error_for

MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0


def to_wire(value: Any) -> Any:
    """Arguments to JSON: models dumped, datetimes as RFC 3339 (they must be timezone-aware)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value!r} has no timezone: pass an aware datetime (e.g. tzinfo=timezone.utc)")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def new_idempotency_key() -> str:
    return f"sdk_{uuid.uuid4()}"


def _retryable(error: CadenceError) -> bool:
    status = error.status or 0
    return status in (408, 429) or status >= 500 or (status == 409 and error.code == "idempotency_key_in_flight")


def _backoff(attempt: int) -> float:
    """0.5 s, 1 s, 2 s, … up to 8 s, each with ±25% jitter."""
    return min(0.5 * 2**attempt, MAX_BACKOFF) * random.uniform(0.75, 1.25)


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str],
        max_retries: int = 2,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required, e.g. https://book.example.com")
        self.max_retries = max(0, max_retries)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"accept": "application/json", **headers},
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers: dict[str, str] = {}
        if method == "POST":
            headers["idempotency-key"] = idempotency_key or new_idempotency_key()
        params = {k: to_wire(v) for k, v in (query or {}).items() if v is not None}
        content = None
        if body is not None:
            headers["content-type"] = "application/json"
            content = json.dumps(to_wire(body)).encode("utf-8")
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, params=params, content=content, headers=headers)
            except httpx.TransportError as exc:
                if attempt < self.max_retries:
                    await asyncio.sleep(_backoff(attempt))
                    attempt += 1
                    continue
                raise APIConnectionError(f"No answer from {self._http.base_url}: {exc!r}") from exc
            if response.is_success:
                return response.json() if response.content else None
            error = error_for(response)
            if method == "DELETE" and attempt > 0 and response.status_code == 404:
                return None
            if attempt < self.max_retries and _retryable(error):
                if isinstance(error, RateLimitError) and error.retry_after is not None:
                    wait = min(error.retry_after, MAX_RETRY_AFTER)
                else:
                    wait = _backoff(attempt)
                await asyncio.sleep(wait)
                attempt += 1
                continue
            raise error
