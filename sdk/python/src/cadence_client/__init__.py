"""``cadence-client``: the Cadence booking API for Python (async, httpx + pydantic v2).

- ``CadenceClient``: the org API with an API key.
- Typed errors (``CadenceError`` and one subclass per kind), safe retries, paging.
- ``verify_signature`` and ``verify_standard_webhook`` for webhook deliveries.
- ``cadence_client.models``: the API's objects, generated from its OpenAPI document.
"""

from . import models
from ._client import CadenceClient
from ._errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    CadenceError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ._pages import Page, PageRequest
from ._webhooks import verify_signature, verify_standard_webhook

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "CadenceClient",
    "CadenceError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "Page",
    "PageRequest",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "models",
    "verify_signature",
    "verify_standard_webhook",
]
__version__ = "0.1.0"
