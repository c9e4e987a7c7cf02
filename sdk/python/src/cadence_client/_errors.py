"""Typed errors: every non-2xx answer is a `CadenceError` subclass chosen by status, carrying
the envelope's fields; `APIConnectionError` when no answer came at all."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx


class CadenceError(Exception):
    """Any failure of a Cadence call."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        detail = detail or {}
        self.message = message
        #: HTTP status; None when no answer came.
        self.status = status
        #: The envelope's error family, e.g. ``conflict_error``.
        self.type: str | None = detail.get("type")
        #: Stable snake_case code, e.g. ``slot_taken``, ``slot_not_open``.
        self.code: str | None = detail.get("code")
        #: The request field at fault, when the server names one.
        self.field: str | None = detail.get("field")
        #: The scope a 403 ``missing_scope`` lacks.
        self.required_scope: str | None = detail.get("required_scope")
        #: The ``req_…`` id of the request: quote it in support requests.
        self.request_id: str | None = detail.get("request_id") or request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class BadRequestError(CadenceError):
    """400: the request could not be read."""


class AuthenticationError(CadenceError):
    """401: missing, unknown, expired or revoked key."""


class PermissionDeniedError(CadenceError):
    """403: the key lacks the route's scope (``required_scope``)."""


class NotFoundError(CadenceError):
    """404: unknown, or another org's."""


class ConflictError(CadenceError):
    """409: e.g. ``slot_taken``, ``booking_cancelled``, ``quota_exceeded``."""


class UnprocessableEntityError(CadenceError):
    """422: well-formed but invalid, e.g. ``slot_not_open``; ``field`` names the culprit."""


class RateLimitError(CadenceError):
    """429: rate limited; ``retry_after`` is the server's ``Retry-After`` in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(CadenceError):
    """5xx: the server failed; retried automatically before this is raised."""


class APIConnectionError(CadenceError):
    """No answer: the connection failed, was dropped, or timed out."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    try:
        seconds = float(value)
        return seconds if seconds >= 0 else None
    except ValueError:
        pass
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, at.timestamp() - time.time())


_BY_STATUS: dict[int, type[CadenceError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
}


def error_for(response: httpx.Response) -> CadenceError:
    """The error for a non-2xx answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("error") if isinstance(body, dict) else None
    detail = detail if isinstance(detail, dict) else {}
    message = detail.get("message") or f"HTTP {response.status_code}"
    common: dict[str, Any] = {
        "status": response.status_code,
        "detail": detail,
        "request_id": response.headers.get("x-request-id"),
    }
    status = response.status_code
    if status == 429:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers.get("retry-after")), **common)
    if status >= 500:
        return InternalServerError(message, **common)
    return _BY_STATUS.get(status, CadenceError)(message, **common)
