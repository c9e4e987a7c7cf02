//! Notification mails as the outbox holds them: what the domain asks to be sent with a
//! booking change, and what the mail worker claims.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a message tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    Confirmation,
    Rescheduled,
    Cancelled,
    Reminder,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Confirmation => "confirmation",
            MailKind::Rescheduled => "rescheduled",
            MailKind::Cancelled => "cancelled",
            MailKind::Reminder => "reminder",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        [MailKind::Confirmation, MailKind::Rescheduled, MailKind::Cancelled, MailKind::Reminder]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The booking's customer, at the booking's e-mail.
    Customer,
    /// The practitioner named by the message, at their e-mail.
    Practitioner,
}

/// Who cancelled a booking, as the message says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    Customer,
    Org,
}

/// The booking as a message tells of it, fixed when the change is written: a message sent
/// late (the mail server was down) still shows the times of its own change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDetails {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<CancelledBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A message to write to the outbox with a booking change (same transaction). The store
/// fills in the booking, its org and its SEQUENCE as of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMail {
    pub id: String,
    pub kind: MailKind,
    pub audience: Audience,
    pub practitioner_id: String,
    pub details: MailDetails,
    /// Unix seconds (both backends' SQL reads it from JSON).
    pub due: i64,
}

impl NewMail {
    pub fn new(
        kind: MailKind,
        audience: Audience,
        practitioner_id: &str,
        details: MailDetails,
        due: DateTime<Utc>,
    ) -> NewMail {
        NewMail {
            id: crate::ids::new_id("msg"),
            kind,
            audience,
            practitioner_id: practitioner_id.to_owned(),
            details,
            due: due.timestamp(),
        }
    }
}

/// A claimed message: everything the worker needs to look up, render and send it.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: String,
    pub org_id: String,
    pub booking_id: String,
    pub kind: MailKind,
    pub audience: Audience,
    pub practitioner_id: String,
    pub sequence: u32,
    pub details: MailDetails,
    pub attempts: u32,
}

/// What became of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// Nobody to send it to (no e-mail address), or the booking is gone.
    Skipped(String),
    RetryAt(DateTime<Utc>, String),
    Failed(String),
}
