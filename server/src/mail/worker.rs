//! The mail worker: claims due messages from the mail outbox, renders each with what the
//! database holds now (names, addresses) and the times of its own change, sends it by SMTP
//! or writes it as a file, and records the outcome; a failed send is retried with backoff.
//! Runs in every server process; a claimed message is locked for all of them, so each is
//! sent once (at least once: a process killed between the send and the record sends it
//! again after the lock runs out, with the same Message-ID).

use super::message::{self, Context};
use crate::config::{MailConfig, MailTransport};
use crate::model::{Audience, ClaimedMail, MailKind, MailOutcome};
use crate::store::Store;
use chrono::Utc;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Messages claimed per poll.
const BATCH: u32 = 16;

enum Sender {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(PathBuf),
}

impl Sender {
    fn new(config: &MailConfig) -> anyhow::Result<Option<Sender>> {
        Ok(match &config.transport {
            None => None,
            Some(MailTransport::Dir(dir)) => Some(Sender::Dir(dir.clone())),
            Some(MailTransport::Smtp(url)) => {
                // smtp:// without a `tls` choice: STARTTLS whenever the server offers it.
                let url = match url::Url::parse(url) {
                    Ok(mut u) if u.scheme() == "smtp" && !u.query_pairs().any(|(k, _)| k == "tls") => {
                        u.query_pairs_mut().append_pair("tls", "opportunistic");
                        u.to_string()
                    }
                    _ => url.clone(),
                };
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| anyhow::anyhow!("--smtp-url {}: {e}", crate::store::redact_url(&url)))?
                    .timeout(Some(config.timeout))
                    .build();
                Some(Sender::Smtp(transport))
            }
        })
    }

    async fn send(&self, id: &str, message: Message) -> Result<(), (bool, String)> {
        match self {
            Sender::Smtp(transport) => transport.send(message).await.map(drop).map_err(|e| {
                // A permanent refusal (5xx: no such mailbox…) will not change by retrying.
                (e.is_permanent(), e.to_string())
            }),
            Sender::Dir(dir) => {
                // Named after the message: a resend overwrites its own file.
                let path = dir.join(format!("{id}.eml"));
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || {
                    let tmp = path.with_extension("eml.tmp");
                    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &path))
                })
                .await
                .map_err(|e| (false, e.to_string()))?
                .map_err(|e| (false, e.to_string()))
            }
        }
    }
}

/// Starts the worker (nothing when mail is off); it stops when `shutdown` turns true,
/// without waiting for the mail server to answer the message in hand.
pub fn start(
    store: Arc<dyn Store>,
    config: MailConfig,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let sender = match Sender::new(&config) {
            Ok(Some(sender)) => sender,
            Ok(None) => return,
            Err(err) => {
                tracing::error!(error = %err, "the mail transport could not be set up; no mails are sent");
                return;
            }
        };
        let Ok(from) = config.from.parse::<Mailbox>() else {
            tracing::error!("the mail From address is not valid; no mails are sent");
            return;
        };
        let host = super::uid_host(&config.from);
        while !*shutdown.borrow() {
            let now = crate::clock::now();
            // The lock outlives an SMTP conversation's timeout: a live worker never loses it.
            let lock = chrono::Duration::from_std(config.timeout * 3).unwrap_or(chrono::Duration::minutes(2));
            let claimed = store.claim_mail(now, now + lock, BATCH).await.unwrap_or_else(|err| {
                tracing::warn!(error = %err, "claiming mails failed");
                Vec::new()
            });
            let full = claimed.len() == BATCH as usize;
            for (i, mail) in claimed.iter().enumerate() {
                // A stop does not wait for a slow mail server: what this batch has not sent
                // is unlocked for another process (the mail in hand may have reached the
                // server: at least once, with the same Message-ID).
                // lettre bounds only the connect: a server that stops talking costs this.
                let send = tokio::time::timeout(
                    config.timeout,
                    send_one(store.as_ref(), &config, &sender, &from, &host, mail),
                );
                let outcome = tokio::select! {
                    outcome = send => {
                        outcome.unwrap_or_else(|_| retry(&config, mail, "the mail server did not finish in time".into()))
                    }
                    () = async { drop(shutdown.wait_for(|stopping| *stopping).await) } => {
                        let unsent: Vec<String> = claimed[i..].iter().map(|m| m.id.clone()).collect();
                        if let Err(err) = store.release_mail(&unsent).await {
                            tracing::warn!(error = %err, "releasing unsent mails failed; their locks will run out");
                        }
                        return;
                    }
                };
                tracing::info!(mail_id = %mail.id, kind = mail.kind.as_str(), outcome = ?outcome_name(&outcome), "mail");
                if let Err(err) = store.finish_mail(&mail.id, &outcome, crate::clock::now()).await {
                    tracing::warn!(error = %err, mail_id = %mail.id, "recording a mail failed; it is sent again later");
                }
            }
            if full {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(config.poll_interval) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
    })
}

/// The outcome without its error text (which may quote an address) for the log line.
fn outcome_name(o: &MailOutcome) -> &'static str {
    match o {
        MailOutcome::Sent => "sent",
        MailOutcome::Skipped(_) => "skipped",
        MailOutcome::RetryAt(..) => "retry",
        MailOutcome::Failed(_) => "failed",
    }
}

/// Looks up, renders and sends one message.
async fn send_one(
    store: &dyn Store,
    config: &MailConfig,
    sender: &Sender,
    from: &Mailbox,
    host: &str,
    mail: &ClaimedMail,
) -> MailOutcome {
    let message = match prepare(store, config, from, host, mail).await {
        Ok(Some(message)) => message,
        Ok(None) => return MailOutcome::Skipped("no recipient address".into()),
        Err(err) => return retry(config, mail, err),
    };
    match sender.send(&mail.id, message).await {
        Ok(()) => MailOutcome::Sent,
        Err((true, err)) => MailOutcome::Failed(err),
        Err((false, err)) => retry(config, mail, err),
    }
}

/// The next attempt after the schedule's wait, rounded up to a whole second (what SQLite
/// stores), so a retry is never due before its wait is over; failure once it is used up.
fn retry(config: &MailConfig, mail: &ClaimedMail, error: String) -> MailOutcome {
    match config.retry_schedule.get(mail.attempts as usize) {
        Some(wait) => {
            let wait = chrono::Duration::from_std(*wait).unwrap_or(chrono::Duration::hours(1));
            let at = crate::clock::now() + wait;
            let secs = at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0);
            MailOutcome::RetryAt(chrono::DateTime::from_timestamp(secs, 0).unwrap_or(at), error)
        }
        None => MailOutcome::Failed(error),
    }
}

/// The message with today's names and addresses; `None` when there is nobody to send it
/// to (no address, or the booking, org or practitioner is gone).
async fn prepare(
    store: &dyn Store,
    config: &MailConfig,
    from: &Mailbox,
    host: &str,
    mail: &ClaimedMail,
) -> Result<Option<Message>, String> {
    let err = |e: crate::store::StoreError| e.to_string();
    let Some(org) = store.find_org(&mail.org_id).await.map_err(err)? else { return Ok(None) };
    let Some(booking) = store.get_booking(&org.id, &mail.booking_id).await.map_err(err)? else {
        return Ok(None);
    };
    let catalogue = store.catalogue(&org).await.map_err(err)?;
    let service =
        catalogue.services.iter().find(|s| s.id == booking.service_id).map_or("Appointment", |s| &s.name);
    let practitioner = catalogue.practitioners.iter().find(|p| p.id == mail.practitioner_id);
    let org_tz = org.timezone.parse().unwrap_or(chrono_tz::UTC);
    let (to, tz) = match mail.audience {
        Audience::Customer => {
            let Some(email) = booking.customer_email.as_deref() else { return Ok(None) };
            let tz = booking.customer_timezone.as_deref().and_then(|t| t.parse().ok()).unwrap_or(org_tz);
            (mailbox(&booking.customer_name, email), tz)
        }
        Audience::Practitioner => {
            let Some(p) = practitioner else { return Ok(None) };
            let Some(email) = p.email.as_deref() else { return Ok(None) };
            let tz = p.timezone.as_deref().and_then(|t| t.parse().ok()).unwrap_or(org_tz);
            (mailbox(&p.name, email), tz)
        }
    };
    let Some(to) = to else { return Ok(None) };
    let manage_url = if mail.audience == Audience::Customer
        && mail.kind != MailKind::Cancelled
        && booking.status == cadence_shared::BookingStatus::Confirmed
    {
        let token = crate::keys::random_token();
        store
            .add_mail_token(&booking.id, &crate::keys::hash_secret(&token), crate::clock::now())
            .await
            .map_err(err)?;
        Some(format!("{}/{}?booking={}&token={token}", config.public_url, org.slug, booking.id))
    } else {
        None
    };
    let context = Context {
        org: &org,
        booking: &booking,
        service,
        practitioner: practitioner.map_or("your practitioner", |p| &p.name),
        tz,
        to,
        from,
        manage_url,
        host,
    };
    message::render(mail, &context, Utc::now()).map(Some)
}

fn mailbox(name: &str, email: &str) -> Option<Mailbox> {
    Some(Mailbox::new(Some(name.to_owned()), email.parse().ok()?))
}
