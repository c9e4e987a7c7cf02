//! iCalendar (RFC 5545) for bookings: the invitation a mail carries (iTIP, RFC 5546:
//! `METHOD:REQUEST` for a new or moved booking, `METHOD:CANCEL` for a cancelled one, the
//! same `UID` for the booking's whole life and a `SEQUENCE` that grows with each change,
//! so calendar apps update or remove the event they already have), and the calendar
//! feeds of practitioners and of one booking.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};

/// One booking as a calendar event.
pub struct BookingEvent<'a> {
    pub booking_id: &'a str,
    pub sequence: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub cancelled: bool,
}

/// An empty calendar object that names Cadence as its producer, with `METHOD:method`.
fn calendar(method: &str) -> Calendar {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Cadence//Bookings//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", method));
    cal
}

/// The event's UID: the booking id at the server's host, the same in every mail and feed.
pub fn uid(booking_id: &str, host: &str) -> String {
    format!("{booking_id}@{host}")
}

fn event(e: &BookingEvent<'_>, host: &str, now: DateTime<Utc>) -> icalendar::Event {
    let mut ev = icalendar::Event::new();
    ev.uid(&uid(e.booking_id, host))
        .sequence(e.sequence)
        .timestamp(now)
        .starts(e.start)
        .ends(e.end)
        .summary(e.summary)
        .description(e.description)
        .location(e.location)
        .status(if e.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
    ev
}

/// An iTIP message about one booking: REQUEST (new or moved) or CANCEL, from `organizer`
/// to `attendee` (e-mail addresses; names as CN).
pub fn invitation(
    e: &BookingEvent<'_>,
    host: &str,
    organizer: (&str, &str),
    attendee: (&str, &str),
    now: DateTime<Utc>,
) -> String {
    let mut ev = event(e, host, now);
    let mut org = Property::new("ORGANIZER", format!("mailto:{}", organizer.1));
    org.add_parameter("CN", organizer.0);
    ev.append_property(org);
    let mut att = Property::new("ATTENDEE", format!("mailto:{}", attendee.1));
    att.add_parameter("CN", attendee.0).add_parameter("ROLE", "REQ-PARTICIPANT");
    if !e.cancelled {
        att.add_parameter("PARTSTAT", "ACCEPTED");
    }
    ev.append_property(att);
    let mut cal = calendar(if e.cancelled { "CANCEL" } else { "REQUEST" });
    cal.push(ev.done());
    cal.done().to_string()
}

/// A subscribable calendar of bookings (`METHOD:PUBLISH`), named `name`.
pub fn feed(name: &str, events: &[BookingEvent<'_>], host: &str, now: DateTime<Utc>) -> String {
    let mut cal = calendar("PUBLISH");
    cal.name(name);
    for e in events {
        cal.push(event(e, host, now).done());
    }
    cal.done().to_string()
}
