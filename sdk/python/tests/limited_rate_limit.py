"""Run by scripts/sdk-test.sh against a second server whose org API allows
CADENCE_ORG_RATE_LIMIT requests a minute (with a burst as large), so the allowance runs out.
(Its name keeps it out of the main run: pytest collects it only when named.)"""

from __future__ import annotations

import os
import time

import httpx
import pytest

from cadence_client import CadenceClient, RateLimitError
from conftest import API_KEY, BASE_URL, SLUG

pytestmark = pytest.mark.anyio


class Counting(httpx.AsyncBaseTransport):
    """The real transport, noting when each answer came and its status."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.attempts: list[tuple[float, int, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.attempts.append((time.monotonic(), response.status_code, response.headers.get("retry-after")))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_spent_allowance_is_rate_limit_error_and_retry_waits_retry_after() -> None:
    limit = int(os.environ["CADENCE_ORG_RATE_LIMIT"])
    refused: RateLimitError | None = None
    async with CadenceClient(BASE_URL, api_key=API_KEY, max_retries=0) as once:
        for _ in range(limit + 5):
            try:
                await once.get_org()
            except RateLimitError as exc:
                refused = exc
                break
    assert refused is not None, f"no 429 within {limit + 5} requests"
    assert refused.status == 429
    assert refused.type == "rate_limit_error"
    assert refused.code == "rate_limited"
    assert refused.request_id and refused.request_id.startswith("req_")
    assert refused.retry_after is not None and 1 <= refused.retry_after <= 60

    # The default client (two retries) gets the 429 too, waits Retry-After, then succeeds.
    counting = Counting()
    async with CadenceClient(BASE_URL, api_key=API_KEY, transport=counting) as patient:
        org = await patient.get_org()
    assert org.slug == SLUG
    assert [status for _, status, _ in counting.attempts] == [429, 200]
    waited = counting.attempts[1][0] - counting.attempts[0][0]
    retry_after = float(counting.attempts[0][2] or 0)
    assert waited >= retry_after - 0.05, f"retried after {waited:.2f} s, Retry-After was {retry_after} s"
