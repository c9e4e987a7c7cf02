//! Which mails a booking change sends, when the server sends mail at all: the domain
//! decides them with the change, the store writes them in the change's own transaction
//! (the mail outbox), and the mail worker renders and sends them later.
//!
//! - The customer (when the booking has an e-mail): a confirmation, a "rescheduled" or a
//!   "cancelled" mail, and a reminder `reminder_minutes_before` the start. No reminder when
//!   the booking is made (or moved) inside that window; a move drops the pending reminder
//!   and schedules a new one, a cancel drops it.
//! - The practitioner: the same changes. A move to another practitioner is a cancellation
//!   for the first and a new booking for the second. Whether they have an e-mail is looked
//!   at when the mail is sent (an address added meanwhile is used).

use crate::model::{Audience, BookingRecord, CancelledBy, MailDetails, MailKind, NewMail};
use chrono::{DateTime, Duration, Utc};

/// Whether booking changes send mail (the server has a mail transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    #[default]
    Off,
    On,
}

/// A booking's time and practitioner, as a change leaves it.
pub struct Placed<'a> {
    pub practitioner_id: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn details(at: &Placed<'_>) -> MailDetails {
    MailDetails { start: at.start, end: at.end, previous_start: None, cancelled_by: None, reason: None }
}

/// The reminder for a booking at `at`, unless its time has already come.
fn reminder(at: &Placed<'_>, minutes_before: u32, now: DateTime<Utc>) -> Option<NewMail> {
    if minutes_before == 0 {
        return None;
    }
    let due = at.start - Duration::minutes(i64::from(minutes_before));
    (due > now)
        .then(|| NewMail::new(MailKind::Reminder, Audience::Customer, at.practitioner_id, details(at), due))
}

/// A new booking.
pub fn created(
    notify: Notify,
    at: &Placed<'_>,
    customer_has_email: bool,
    reminder_minutes: u32,
    now: DateTime<Utc>,
) -> Vec<NewMail> {
    if notify == Notify::Off {
        return Vec::new();
    }
    let mut mails = vec![NewMail::new(
        MailKind::Confirmation,
        Audience::Practitioner,
        at.practitioner_id,
        details(at),
        now,
    )];
    if customer_has_email {
        mails.push(NewMail::new(
            MailKind::Confirmation,
            Audience::Customer,
            at.practitioner_id,
            details(at),
            now,
        ));
        mails.extend(reminder(at, reminder_minutes, now));
    }
    mails
}

/// A booking moved from `from` to `to`.
pub fn moved(
    notify: Notify,
    from: &BookingRecord,
    to: &Placed<'_>,
    reminder_minutes: u32,
    now: DateTime<Utc>,
) -> Vec<NewMail> {
    if notify == Notify::Off {
        return Vec::new();
    }
    let moved = MailDetails { previous_start: Some(from.start), ..details(to) };
    let mut mails = Vec::new();
    if from.practitioner_id == to.practitioner_id {
        mails.push(NewMail::new(
            MailKind::Rescheduled,
            Audience::Practitioner,
            to.practitioner_id,
            moved.clone(),
            now,
        ));
    } else {
        let handed_over = MailDetails {
            start: from.start,
            end: from.end,
            previous_start: None,
            cancelled_by: None,
            reason: Some("Moved to another practitioner.".into()),
        };
        mails.push(NewMail::new(
            MailKind::Cancelled,
            Audience::Practitioner,
            &from.practitioner_id,
            handed_over,
            now,
        ));
        mails.push(NewMail::new(
            MailKind::Confirmation,
            Audience::Practitioner,
            to.practitioner_id,
            details(to),
            now,
        ));
    }
    if from.customer_email.is_some() {
        mails.push(NewMail::new(MailKind::Rescheduled, Audience::Customer, to.practitioner_id, moved, now));
        mails.extend(reminder(to, reminder_minutes, now));
    }
    mails
}

/// A booking cancelled by `by`.
pub fn cancelled(
    notify: Notify,
    booking: &BookingRecord,
    by: CancelledBy,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<NewMail> {
    if notify == Notify::Off {
        return Vec::new();
    }
    let gone = MailDetails {
        start: booking.start,
        end: booking.end,
        previous_start: None,
        cancelled_by: Some(by),
        reason: reason.map(str::to_owned),
    };
    let mut mails = vec![NewMail::new(
        MailKind::Cancelled,
        Audience::Practitioner,
        &booking.practitioner_id,
        gone.clone(),
        now,
    )];
    if booking.customer_email.is_some() {
        mails.push(NewMail::new(
            MailKind::Cancelled,
            Audience::Customer,
            &booking.practitioner_id,
            gone,
            now,
        ));
    }
    mails
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: DateTime<Utc>) -> Placed<'static> {
        Placed { practitioner_id: "prc_a", start, end: start + Duration::minutes(30) }
    }

    fn kinds(mails: &[NewMail]) -> Vec<(MailKind, Audience)> {
        mails.iter().map(|m| (m.kind, m.audience)).collect()
    }

    #[test]
    fn a_booking_outside_the_reminder_window_gets_a_reminder_due_before_its_start() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let start = now + Duration::days(3);
        let mails = created(Notify::On, &at(start), true, 1440, now);
        assert_eq!(
            kinds(&mails),
            [
                (MailKind::Confirmation, Audience::Practitioner),
                (MailKind::Confirmation, Audience::Customer),
                (MailKind::Reminder, Audience::Customer)
            ]
        );
        assert_eq!(mails[2].due, (start - Duration::days(1)).timestamp());
    }

    #[test]
    fn no_reminder_inside_its_window_without_an_email_or_when_turned_off() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let soon = at(now + Duration::hours(2));
        assert_eq!(kinds(&created(Notify::On, &soon, true, 1440, now)).len(), 2);
        assert_eq!(kinds(&created(Notify::On, &at(now + Duration::days(3)), true, 0, now)).len(), 2);
        assert_eq!(kinds(&created(Notify::On, &at(now + Duration::days(3)), false, 1440, now)).len(), 1);
        assert!(created(Notify::Off, &soon, true, 1440, now).is_empty());
    }
}
