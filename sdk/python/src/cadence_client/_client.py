"""``CadenceClient``: the org API with an API key (``ck_live_…``), async, for an org's backend.

Methods return the API's objects as pydantic models generated from the OpenAPI document
(``cadence_client.models``); list methods return a ``PageRequest`` (await it for one page,
``async for`` over it for every item).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from . import models as m
from ._pages import Page, PageRequest
from ._transport import Transport

M = TypeVar("M", bound=BaseModel)
Instant = str | datetime


def _id(value: str) -> str:
    return quote(value, safe="")


class CadenceClient:
    """The org API. Use as ``async with CadenceClient(base_url, api_key=…) as cad:``."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        max_retries: int = 2,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required (an org API key, ck_live_…)")
        self._t = Transport(
            base_url,
            headers={"authorization": f"Bearer {api_key}"},
            max_retries=max_retries,
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> CadenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._t.aclose()

    async def _one(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        return model.model_validate(await self._t.request(method, path, **kwargs))

    def _list(self, model: type[M], path: str, query: dict[str, Any]) -> PageRequest[M]:
        async def load(cursor: str | None) -> Page[M]:
            wire = await self._t.request("GET", path, query={**query, "cursor": cursor or query.get("cursor")})
            fetch_next: Callable[[str], Awaitable[Page[M]]] = load
            return Page(
                [model.model_validate(item) for item in wire["data"]],
                has_more=bool(wire["has_more"]),
                next_cursor=wire.get("next_cursor"),
                fetch_next=fetch_next,
            )

        return PageRequest(load)

    # Services

    def list_services(self, *, limit: int | None = None, cursor: str | None = None) -> PageRequest[m.Service]:
        """The org's services, newest first."""
        return self._list(m.Service, "/api/v1/services", {"limit": limit, "cursor": cursor})

    async def create_service(self, *, name: str, duration_minutes: int, **fields: Any) -> m.Service:
        """Fields as in the API: ``practitioner_ids``, ``buffer_before_minutes``, ``min_notice_minutes``, …"""
        body = {"name": name, "duration_minutes": duration_minutes, **fields}
        return await self._one(m.Service, "POST", "/api/v1/services", body=body)

    async def get_service(self, service_id: str) -> m.Service:
        return await self._one(m.Service, "GET", f"/api/v1/services/{_id(service_id)}")

    async def update_service(self, service_id: str, **fields: Any) -> m.Service:
        return await self._one(m.Service, "PATCH", f"/api/v1/services/{_id(service_id)}", body=fields)

    async def delete_service(self, service_id: str) -> None:
        """Refused with ``ConflictError`` ``has_upcoming_bookings``: deactivate instead."""
        await self._t.request("DELETE", f"/api/v1/services/{_id(service_id)}")

    # Practitioners

    def list_practitioners(self, *, limit: int | None = None, cursor: str | None = None) -> PageRequest[m.Practitioner]:
        return self._list(m.Practitioner, "/api/v1/practitioners", {"limit": limit, "cursor": cursor})

    async def create_practitioner(self, *, name: str, **fields: Any) -> m.Practitioner:
        """Fields as in the API: ``email``, ``timezone``, ``weekly_hours``, ``date_overrides``, ``active``."""
        return await self._one(m.Practitioner, "POST", "/api/v1/practitioners", body={"name": name, **fields})

    async def get_practitioner(self, practitioner_id: str) -> m.Practitioner:
        return await self._one(m.Practitioner, "GET", f"/api/v1/practitioners/{_id(practitioner_id)}")

    async def update_practitioner(self, practitioner_id: str, **fields: Any) -> m.Practitioner:
        """Only the fields given change; ``email=None`` removes the e-mail."""
        path = f"/api/v1/practitioners/{_id(practitioner_id)}"
        return await self._one(m.Practitioner, "PATCH", path, body=fields)

    async def delete_practitioner(self, practitioner_id: str) -> None:
        await self._t.request("DELETE", f"/api/v1/practitioners/{_id(practitioner_id)}")

    async def rotate_calendar_feed(self, practitioner_id: str) -> m.CalendarFeed:
        """A new secret ``.ics`` feed URL; the previous one stops working."""
        path = f"/api/v1/practitioners/{_id(practitioner_id)}/calendar-feed"
        return await self._one(m.CalendarFeed, "POST", path)

    # Availability and bookings

    async def get_availability(
        self,
        *,
        service_id: str,
        practitioner_id: str | None = None,
        from_: Instant | date | None = None,
        to: Instant | date | None = None,
        include: str | None = None,
    ) -> m.AvailabilityResponse:
        """Open slots of a service (any practitioner unless ``practitioner_id``), by start.
        ``from_``/``to``: a date (in the org's timezone) or an instant; default a week from now."""
        query = {"service_id": service_id, "practitioner_id": practitioner_id, "from": from_, "to": to, "include": include}
        return await self._one(m.AvailabilityResponse, "GET", "/api/v1/availability", query=query)

    async def create_booking(
        self,
        *,
        service_id: str,
        start: Instant,
        customer: dict[str, Any] | m.CustomerInput,
        practitioner_id: str | None = None,
        notes: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Booking:
        """Books a slot; without ``practitioner_id`` the least-loaded free practitioner."""
        body = {"service_id": service_id, "start": start, "customer": customer}
        body |= {k: v for k, v in {"practitioner_id": practitioner_id, "notes": notes}.items() if v is not None}
        return await self._one(m.Booking, "POST", "/api/v1/bookings", body=body, idempotency_key=idempotency_key)

    async def get_booking(self, booking_id: str) -> m.Booking:
        return await self._one(m.Booking, "GET", f"/api/v1/bookings/{_id(booking_id)}")

    def list_bookings(
        self,
        *,
        status: str | None = None,
        practitioner_id: str | None = None,
        service_id: str | None = None,
        from_: Instant | date | None = None,
        to: Instant | date | None = None,
        customer_email: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> PageRequest[m.Booking]:
        """Bookings by start time, then id, filtered."""
        query = {
            "status": status, "practitioner_id": practitioner_id, "service_id": service_id, "from": from_,
            "to": to, "customer_email": customer_email, "limit": limit, "cursor": cursor,
        }
        return self._list(m.Booking, "/api/v1/bookings", query)

    async def reschedule_booking(
        self,
        booking_id: str,
        *,
        start: Instant,
        practitioner_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Booking:
        body: dict[str, Any] = {"start": start}
        if practitioner_id is not None:
            body["practitioner_id"] = practitioner_id
        path = f"/api/v1/bookings/{_id(booking_id)}/reschedule"
        return await self._one(m.Booking, "POST", path, body=body, idempotency_key=idempotency_key)

    async def cancel_booking(
        self, booking_id: str, *, reason: str | None = None, idempotency_key: str | None = None
    ) -> m.Booking:
        """Cancels (a booking already cancelled is returned unchanged)."""
        body = {"reason": reason} if reason is not None else {}
        path = f"/api/v1/bookings/{_id(booking_id)}/cancel"
        return await self._one(m.Booking, "POST", path, body=body, idempotency_key=idempotency_key)

    # Customers and the org

    def list_customers(
        self, *, q: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> PageRequest[m.Customer]:
        """Newest first; ``q`` finds those whose name or e-mail address contains it."""
        return self._list(m.Customer, "/api/v1/customers", {"q": q, "limit": limit, "cursor": cursor})

    async def get_customer(self, customer_id: str) -> m.CustomerDetail:
        """A customer with their booking history."""
        return await self._one(m.CustomerDetail, "GET", f"/api/v1/customers/{_id(customer_id)}")

    async def get_org(self) -> m.Org:
        return await self._one(m.Org, "GET", "/api/v1/org")

    async def update_org(self, **fields: Any) -> m.Org:
        """``name``, ``timezone``, ``branding`` (``{"primary_color": "#rrggbb", "logo_url": …}``)."""
        return await self._one(m.Org, "PATCH", "/api/v1/org", body=fields)

    # Webhooks

    def list_webhooks(self, *, limit: int | None = None, cursor: str | None = None) -> PageRequest[m.WebhookEndpoint]:
        return self._list(m.WebhookEndpoint, "/api/v1/webhooks", {"limit": limit, "cursor": cursor})

    async def create_webhook(self, *, url: str, events: list[str], description: str | None = None) -> m.WebhookEndpoint:
        """Adds an endpoint; the answer carries its signing ``secret``, this once."""
        body: dict[str, Any] = {"url": url, "events": events}
        if description is not None:
            body["description"] = description
        return await self._one(m.WebhookEndpoint, "POST", "/api/v1/webhooks", body=body)

    async def get_webhook(self, webhook_id: str) -> m.WebhookEndpoint:
        return await self._one(m.WebhookEndpoint, "GET", f"/api/v1/webhooks/{_id(webhook_id)}")

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._t.request("DELETE", f"/api/v1/webhooks/{_id(webhook_id)}")

    def list_webhook_deliveries(self, webhook_id: str, *, limit: int | None = None) -> PageRequest[m.WebhookAttempt]:
        """The endpoint's delivery attempts, newest first."""
        return self._list(m.WebhookAttempt, f"/api/v1/webhooks/{_id(webhook_id)}/deliveries", {"limit": limit})

    async def test_webhook(self, webhook_id: str) -> m.TestEvent:
        """Sends a test event to the endpoint."""
        return await self._one(m.TestEvent, "POST", f"/api/v1/webhooks/{_id(webhook_id)}/test")
