//! Notification mails: rendering a message from the mail outbox (`message`), its calendar
//! invitation (`ics`, also the practitioners' feeds), and the worker that sends them by
//! SMTP or writes them into a directory (`worker`).

pub mod ics;
mod message;
pub mod worker;

use lettre::message::Mailbox;

/// Checks a `--mail-from` value (`Name <addr@domain>` or `addr@domain`).
pub fn check_mailbox(from: &str) -> anyhow::Result<Mailbox> {
    from.parse::<Mailbox>().map_err(|e| anyhow::anyhow!("{from:?} is not a mail address: {e}"))
}

/// The host part of event UIDs and Message-IDs: the domain of the mail From (every mail,
/// feed and calendar file names a booking's event the same way).
pub fn uid_host(from: &str) -> String {
    from.parse::<Mailbox>().map_or_else(|_| "cadence.invalid".to_owned(), |m| m.email.domain().to_owned())
}

/// Checks an SMTP URL as [`worker`] will use it (scheme, host), without showing its
/// password in the error.
pub fn check_smtp_url(url: &str) -> anyhow::Result<()> {
    let shown = crate::store::redact_url(url);
    let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("--smtp-url {shown}: {e}"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "smtp" | "smtps"),
        "--smtp-url {shown}: use smtp://host[:port] (STARTTLS when offered) or smtps://host[:port]"
    );
    anyhow::ensure!(parsed.host_str().is_some_and(|h| !h.is_empty()), "--smtp-url {shown}: no host");
    Ok(())
}
