//! One notification mail, rendered: subject, text and HTML parts, and for confirmations,
//! moves and cancellations the calendar invitation (`text/calendar; method=…`), all in
//! one `multipart/alternative` so mail clients show the text they prefer and offer the
//! invitation.

use super::ics::{self, BookingEvent};
use crate::model::{Audience, BookingRecord, CancelledBy, ClaimedMail, MailKind, Org};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// What a message is rendered from, looked up when it is sent.
pub struct Context<'a> {
    pub org: &'a Org,
    pub booking: &'a BookingRecord,
    pub service: &'a str,
    pub practitioner: &'a str,
    /// The recipient's zone: the customer's (else the org's), or the practitioner's.
    pub tz: Tz,
    pub to: Mailbox,
    pub from: &'a Mailbox,
    /// The customer's manage link, when the booking can still be changed.
    pub manage_url: Option<String>,
    /// The host part of event UIDs and Message-IDs.
    pub host: &'a str,
}

/// `Tue 2 Dec` and `10:00` in `tz`.
fn day_and_time(at: DateTime<Utc>, tz: Tz) -> (String, String) {
    let local = at.with_timezone(&tz);
    (local.format("%a %-d %b").to_string(), local.format("%H:%M").to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The subject and the lines of the message (the same lines make both parts).
fn wording(mail: &ClaimedMail, c: &Context<'_>) -> (String, Vec<String>) {
    let d = &mail.details;
    let tz = c.tz.name();
    let (day, time) = day_and_time(d.start, c.tz);
    let (_, end) = day_and_time(d.end, c.tz);
    let when = format!("{day}, {time}–{end} ({tz})");
    let customer = &c.booking.customer_name;
    let (subject, opening) = match (mail.audience, mail.kind) {
        (Audience::Customer, MailKind::Confirmation) => (
            format!("Confirmed: {} on {day} at {time} ({tz})", c.service),
            format!("Hello {customer}, your booking with {} is confirmed.", c.org.name),
        ),
        (Audience::Customer, MailKind::Rescheduled) => (
            format!("Rescheduled: {} now on {day} at {time} ({tz})", c.service),
            format!("Hello {customer}, your booking with {} has moved to a new time.", c.org.name),
        ),
        (Audience::Customer, MailKind::Cancelled) => (
            format!("Cancelled: {} on {day} at {time} ({tz})", c.service),
            match d.cancelled_by {
                Some(CancelledBy::Customer) => {
                    format!("Hello {customer}, you cancelled your booking with {}.", c.org.name)
                }
                _ => format!("Hello {customer}, {} cancelled your booking.", c.org.name),
            },
        ),
        (Audience::Customer, MailKind::Reminder) => (
            format!("Reminder: {} on {day} at {time} ({tz})", c.service),
            format!("Hello {customer}, this is a reminder of your booking with {}.", c.org.name),
        ),
        (Audience::Practitioner, MailKind::Confirmation | MailKind::Reminder) => (
            format!("New booking: {} with {customer} on {day} at {time} ({tz})", c.service),
            format!("Hello {}, {customer} has booked {} with you.", c.practitioner, c.service),
        ),
        (Audience::Practitioner, MailKind::Rescheduled) => (
            format!("Moved: {} with {customer} to {day} at {time} ({tz})", c.service),
            format!("Hello {}, a booking with {customer} has moved to a new time.", c.practitioner),
        ),
        (Audience::Practitioner, MailKind::Cancelled) => (
            format!("Cancelled: {} with {customer} on {day} at {time} ({tz})", c.service),
            match d.cancelled_by {
                Some(CancelledBy::Customer) => {
                    format!("Hello {}, {customer} cancelled their booking.", c.practitioner)
                }
                Some(CancelledBy::Org) => {
                    format!("Hello {}, {} cancelled a booking with {customer}.", c.practitioner, c.org.name)
                }
                None => format!("Hello {}, a booking with {customer} is no longer yours.", c.practitioner),
            },
        ),
    };
    let mut lines = vec![opening, String::new(), format!("Service: {}", c.service)];
    match mail.audience {
        Audience::Customer => lines.push(format!("With: {}", c.practitioner)),
        Audience::Practitioner => lines.push(format!("Customer: {customer}")),
    }
    lines.push(format!("When: {when}"));
    if let Some(previous) = d.previous_start {
        let (pday, ptime) = day_and_time(previous, c.tz);
        lines.push(format!("Previously: {pday}, {ptime} ({tz})"));
    }
    lines.push(format!("Where: {}", c.org.name));
    if let Some(reason) = d.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        lines.push(format!("Reason: {reason}"));
    }
    if let Some(url) = &c.manage_url {
        lines.push(String::new());
        lines.push(format!("To reschedule or cancel: {url}"));
    }
    (subject, lines)
}

fn html(org: &Org, lines: &[String], manage_url: Option<&str>) -> String {
    let colour = org.branding.primary_color.as_deref().unwrap_or("#1f5f8b");
    let mut body = String::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        match manage_url {
            Some(url) if line.ends_with(url) => {
                body.push_str(&format!("<p><a href=\"{u}\">Reschedule or cancel</a></p>\n", u = escape(url)))
            }
            _ => body.push_str(&format!("<p>{}</p>\n", escape(line))),
        }
    }
    format!(
        "<!doctype html>\n<html><body style=\"font-family: sans-serif; color: #222\">\n\
         <div style=\"background: {colour}; color: #fff; padding: 12px 16px; font-size: 18px\">{name}</div>\n\
         <div style=\"padding: 8px 16px\">\n{body}</div>\n</body></html>\n",
        colour = escape(colour),
        name = escape(&org.name)
    )
}

/// The message, ready to send; its Message-ID is the outbox row's, so a resend of the
/// same message is recognisable.
pub fn render(mail: &ClaimedMail, c: &Context<'_>, now: DateTime<Utc>) -> Result<Message, String> {
    let (subject, lines) = wording(mail, c);
    let text = lines.join("\n") + "\n";
    let mut parts = MultiPart::alternative()
        .singlepart(SinglePart::plain(text))
        .singlepart(SinglePart::html(html(c.org, &lines, c.manage_url.as_deref())));
    if mail.kind != MailKind::Reminder {
        let cancelled = mail.kind == MailKind::Cancelled;
        let summary = match mail.audience {
            Audience::Customer => format!("{} with {}", c.service, c.practitioner),
            Audience::Practitioner => format!("{}: {}", c.service, c.booking.customer_name),
        };
        let event = BookingEvent {
            booking_id: &c.booking.id,
            sequence: mail.sequence,
            start: mail.details.start,
            end: mail.details.end,
            summary: &summary,
            description: &lines.join("\n"),
            location: &c.org.name,
            cancelled,
        };
        let organizer = (c.from.name.as_deref().unwrap_or(&c.org.name), c.from.email.as_ref());
        let attendee = (c.to.name.as_deref().unwrap_or(""), c.to.email.as_ref());
        let ics = ics::invitation(&event, c.host, organizer, attendee, now);
        let method = if cancelled { "CANCEL" } else { "REQUEST" };
        let content_type = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
            .map_err(|e| e.to_string())?;
        parts = parts.singlepart(SinglePart::builder().header(content_type).body(ics));
    }
    Message::builder()
        .from(c.from.clone())
        .to(c.to.clone())
        .subject(subject)
        .message_id(Some(format!("<{}@{}>", mail.id, c.host)))
        .date(now.into())
        .multipart(parts)
        .map_err(|e| e.to_string())
}
