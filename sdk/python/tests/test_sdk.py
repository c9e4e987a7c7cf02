"""The Python SDK against the real server: the quickstart verbatim, typed errors, replays,
paging, retries after a lost answer, webhooks verified both ways, and the rest of the org API."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook

from cadence_client import (
    APIConnectionError,
    AuthenticationError,
    CadenceClient,
    CadenceError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
    verify_signature,
    verify_standard_webhook,
)
from conftest import API_KEY, BASE_URL, READ_ONLY_KEY, SLUG, bookable_service, header_of

pytestmark = pytest.mark.anyio


async def test_quickstart_books_the_first_open_slot_once(cad: CadenceClient) -> None:
    fresh, practitioner = await bookable_service(cad, "Quickstart visit")
    base_url = BASE_URL

    async with CadenceClient(base_url, api_key=os.environ["CADENCE_ORG_API_KEY"]) as cad:
        services = await cad.list_services()
        avail = await cad.get_availability(service_id=services[0].id)
        booking = await cad.create_booking(service_id=services[0].id, start=avail.slots[0].start,
            customer={"name": "Pat", "email": "pat@example.com"}, idempotency_key="visit-42")

        assert isinstance(services, list)
        assert services[0].id == fresh.id
        assert booking.service_id == fresh.id
        assert booking.practitioner_id == practitioner.id
        assert booking.status == "confirmed"
        assert booking.start == avail.slots[0].start
        assert (await cad.get_booking(booking.id)).id == booking.id
        after = await cad.get_availability(service_id=fresh.id)
        assert booking.start not in [s.start for s in after.slots]

        # The same call again replays the same booking; a string start works as well.
        replay = await cad.create_booking(service_id=services[0].id, start=avail.slots[0].start.isoformat(),
            customer={"name": "Pat", "email": "pat@example.com"}, idempotency_key="visit-42")
        assert replay.id == booking.id
        pats = await cad.list_bookings(service_id=fresh.id, customer_email="pat@example.com")
        assert [b.id for b in pats] == [booking.id]


async def test_taken_slot_is_conflict_and_no_slot_is_unprocessable(cad: CadenceClient) -> None:
    service, _ = await bookable_service(cad, "Errors visit")
    slot = (await cad.get_availability(service_id=service.id)).slots[0]
    await cad.create_booking(service_id=service.id, start=slot.start, customer={"name": "Pat", "email": "p@example.com"})

    with pytest.raises(ConflictError) as taken:
        await cad.create_booking(service_id=service.id, start=slot.start, customer={"name": "Sam", "email": "s@example.com"})
    assert isinstance(taken.value, CadenceError)
    assert (taken.value.status, taken.value.code, taken.value.type) == (409, "slot_taken", "conflict_error")
    assert taken.value.request_id and taken.value.request_id.startswith("req_")

    with pytest.raises(UnprocessableEntityError) as odd:
        await cad.create_booking(service_id=service.id, start=slot.start + timedelta(minutes=7),
            customer={"name": "Pat", "email": "p@example.com"})
    assert (odd.value.status, odd.value.code, odd.value.field) == (422, "slot_not_open", "start")
    assert len(await cad.list_bookings(service_id=service.id)) == 1

    with pytest.raises(ValueError, match="timezone"):
        await cad.create_booking(service_id=service.id, start=datetime(2030, 1, 1, 9), customer={"name": "N"})


async def test_401_403_404_and_no_answer_have_their_classes(cad: CadenceClient) -> None:
    async with CadenceClient(BASE_URL, api_key="ck_live_not-a-key") as wrong:
        with pytest.raises(AuthenticationError) as e:
            await wrong.list_services()
        assert e.value.status == 401
    async with CadenceClient(BASE_URL, api_key=READ_ONLY_KEY) as reader:
        with pytest.raises(PermissionDeniedError) as e:
            await reader.create_service(name="Not allowed", duration_minutes=30)
        assert (e.value.status, e.value.code) == (403, "missing_scope")
    with pytest.raises(NotFoundError):
        await cad.get_booking("bk_does_not_exist")
    async with CadenceClient("http://127.0.0.1:9", api_key=API_KEY, max_retries=1) as nobody:
        with pytest.raises(APIConnectionError) as e:
            await nobody.list_services()
        assert e.value.status is None


async def test_250_bookings_page_and_async_for_walks_all(cad: CadenceClient) -> None:
    service, _ = await bookable_service(cad, "Paging visit")
    slots = (await cad.get_availability(service_id=service.id)).slots[:250]
    assert len(slots) == 250
    made = []
    for i in range(0, 250, 10):
        made += await asyncio.gather(*(
            cad.create_booking(service_id=service.id, start=s.start,
                customer={"name": f"Guest {i + j}", "email": f"guest{i + j}@example.com"})
            for j, s in enumerate(slots[i:i + 10])))

    first = await cad.list_bookings(service_id=service.id, limit=100)
    assert len(first) == 100 and first.has_more and first.next_cursor
    second = await first.next_page()
    assert second is not None and len(second) == 100 and second[0].id != first[0].id

    seen = [b async for b in cad.list_bookings(service_id=service.id, limit=37)]
    assert len(seen) == 250
    assert {b.id for b in seen} == {b.id for b in made}
    assert [b.start for b in seen] == sorted(b.start for b in seen)


async def test_lost_answer_is_retried_with_the_same_key_and_books_once(cad: CadenceClient, dropping_proxy) -> None:
    service, _ = await bookable_service(cad, "Retry visit")
    slot = (await cad.get_availability(service_id=service.id)).slots[0]
    async with CadenceClient(dropping_proxy.url, api_key=API_KEY) as flaky:
        booking = await flaky.create_booking(service_id=service.id, start=slot.start,
            customer={"name": "Robin", "email": "robin@example.com"})
    posts = [r for r in dropping_proxy.requests if r.startswith(b"POST /api/v1/bookings ")]
    assert len(posts) == 2, "the first attempt's answer was dropped, the second got through"
    keys = [header_of(r, "idempotency-key") for r in posts]
    assert keys[0] and keys[1] == keys[0]
    assert [b.id for b in await cad.list_bookings(service_id=service.id)] == [booking.id]


async def test_webhook_delivery_verifies_both_ways(cad: CadenceClient, receiver) -> None:
    endpoint = await cad.create_webhook(url=receiver.url, events=["booking.created"])
    secret = endpoint.secret
    assert secret and secret.startswith("whsec_")
    service, _ = await bookable_service(cad, "Webhook visit")
    slot = (await cad.get_availability(service_id=service.id)).slots[0]
    booking = await cad.create_booking(service_id=service.id, start=slot.start,
        customer={"name": "Ada", "email": "ada@example.com"})

    headers, raw_request_body = await receiver.wait_for(
        lambda h, body: json.loads(body).get("data", {}).get("booking", {}).get("id") == booking.id)
    assert headers["x-cadence-event"] == "booking.created"
    if not verify_signature(secret, raw_request_body, headers["x-cadence-signature"]):
        pytest.fail("X-Cadence-Signature did not verify")
    assert verify_signature(secret, raw_request_body.decode(), headers["x-cadence-signature"])
    assert verify_standard_webhook(secret, raw_request_body, headers)
    assert Webhook(secret).verify(raw_request_body, headers)["data"]["booking"]["id"] == booking.id

    tampered = raw_request_body.replace(b"Ada", b"Eve")
    assert not verify_signature(secret, tampered, headers["x-cadence-signature"])
    assert not verify_standard_webhook(secret, tampered, headers)
    other = "whsec_" + base64.b64encode(bytes(32)).decode()
    assert not verify_signature(other, raw_request_body, headers["x-cadence-signature"])
    # During a rotation the header carries two signatures; either secret verifies.
    both = "sha256=" + "0" * 64 + ", " + headers["x-cadence-signature"]
    assert verify_signature(secret, raw_request_body, both)
    assert not verify_signature(other, raw_request_body, both)
    assert not verify_standard_webhook(other, raw_request_body, headers)
    later = int(headers["webhook-timestamp"]) + 3600
    assert not verify_standard_webhook(secret, raw_request_body, headers, now=later)
    assert verify_standard_webhook(secret, raw_request_body, headers, now=later, tolerance_seconds=7200)
    assert not verify_signature(secret, raw_request_body, None)
    assert not verify_signature(secret, raw_request_body, "sha256=zz")

    # The attempt is recorded once the receiver's answer is back: it may trail the request.
    for _ in range(50):
        attempts = await cad.list_webhook_deliveries(endpoint.id)
        if any(a.response_status == 200 for a in attempts):
            break
        await asyncio.sleep(0.1)
    assert any(a.response_status == 200 for a in attempts)
    await cad.delete_webhook(endpoint.id)


async def test_the_rest_of_the_org_api(cad: CadenceClient) -> None:
    service, practitioner = await bookable_service(cad, "Coverage visit")
    renamed = await cad.update_service(service.id, name="Coverage visit (long)", buffer_after_minutes=5)
    assert renamed.buffer_after_minutes == 5
    assert (await cad.get_service(service.id)).name == "Coverage visit (long)"
    await cad.update_practitioner(practitioner.id, email="lee@example.com")
    assert (await cad.get_practitioner(practitioner.id)).email == "lee@example.com"
    assert practitioner.id in [p.id async for p in cad.list_practitioners(limit=100)]
    assert (await cad.rotate_calendar_feed(practitioner.id)).url.endswith(".ics")

    week = await cad.get_availability(service_id=service.id, practitioner_id=practitioner.id, include="practitioner_ids")
    assert week.slots[0].practitioner_ids == [practitioner.id]
    booking = await cad.create_booking(service_id=service.id, start=week.slots[0].start,
        customer={"name": "Jo", "email": "jo@example.com"}, notes="first visit")
    moved = await cad.reschedule_booking(booking.id, start=week.slots[2].start)
    assert moved.start == week.slots[2].start
    assert (await cad.cancel_booking(booking.id, reason="ill")).status == "cancelled"
    assert (await cad.get_booking(booking.id)).cancel_reason == "ill"
    assert len(await cad.list_bookings(service_id=service.id, status="cancelled")) == 1
    day = week.slots[0].start.astimezone(timezone.utc).date()
    assert len(await cad.list_bookings(service_id=service.id, from_=day, to=day + timedelta(days=8))) == 1

    customer = [c async for c in cad.list_customers(limit=50) if c.email == "jo@example.com"][0]
    assert [c.id for c in await cad.list_customers(q="JO@example")] == [customer.id]
    assert [b.id for b in (await cad.get_customer(customer.id)).bookings] == [booking.id]

    org = await cad.update_org(branding={"primary_color": "#114477"})
    assert org.branding.primary_color == "#114477"
    assert (await cad.get_org()).slug == SLUG
    await cad.delete_service(service.id)
    with pytest.raises(NotFoundError):
        await cad.get_service(service.id)
