//! The delivery worker: claims due deliveries from the outbox, sends them, records the
//! attempt, schedules the retry. Runs inside every server process; on Postgres several
//! processes share the work without sending one delivery twice (see `claim_deliveries`).

use super::ssrf::{self, GuardedResolver};
use crate::config::WorkerConfig;
use crate::model::{AttemptRecord, ClaimLimits, ClaimedDelivery, DeliveryNext};
use crate::store::Store;
use cadence_shared::{sign_payload, sign_standard};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

const EXCERPT_BYTES: usize = 512;

/// Starts the worker; it stops when `shutdown` turns true, within moments: sends still
/// waiting for their receivers are given up and released for another process.
///
/// Deliveries flow through a pool of `config.in_flight` slots rather than in batches: a
/// slot is refilled as soon as its send is recorded, so a receiver that never answers holds
/// only its own slots (at most `config.per_endpoint`, and an org's endpoints together at
/// most `config.per_org`, counted across processes by the claim) for its timeout, while
/// everyone else's deliveries keep moving.
pub fn start(
    store: Arc<dyn Store>,
    config: WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some(client) = client(&config) else { return };
        let mut sends: JoinSet<(String, bool)> = JoinSet::new();
        let mut unattempted = Vec::new();
        while !*shutdown.borrow() {
            let room = config.in_flight.saturating_sub(u32::try_from(sends.len()).unwrap_or(u32::MAX));
            if room > 0 {
                for d in claim(store.as_ref(), &config, room).await {
                    let (store, client, config, stop) =
                        (store.clone(), client.clone(), config.clone(), shutdown.clone());
                    sends.spawn(async move {
                        let id = d.id.clone();
                        (id, deliver(store.as_ref(), &client, &config, d, stop).await)
                    });
                }
            }
            // Wait for a send to finish (its slot is free again), the next poll, or the stop.
            tokio::select! {
                Some(done) = sends.join_next(), if !sends.is_empty() => {
                    collect(done, &mut unattempted);
                    while let Some(done) = sends.try_join_next() {
                        collect(done, &mut unattempted);
                    }
                }
                () = tokio::time::sleep(config.poll_interval) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        // Every send sees the stop too and ends without waiting for its receiver.
        while let Some(done) = sends.join_next().await {
            collect(done, &mut unattempted);
        }
        if !unattempted.is_empty()
            && let Err(err) = store.release_deliveries(&unattempted).await
        {
            tracing::warn!(error = %err, "releasing unsent webhook deliveries failed; their locks will run out");
        }
    })
}

/// The delivery client: no proxy from the environment (`HTTPS_PROXY` & co.: a proxy would
/// resolve the endpoint's name itself, past the SSRF guard), no redirects.
fn client(config: &WorkerConfig) -> Option<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .user_agent(concat!("Cadence-Webhooks/", env!("CARGO_PKG_VERSION")));
    if !config.allow_private {
        builder = builder.dns_resolver(Arc::new(GuardedResolver));
    }
    builder
        .build()
        .inspect_err(|err| tracing::error!(error = %err, "webhook client could not be built; no deliveries"))
        .ok()
}

/// Claims up to `room` due deliveries (none when claiming fails: the next poll tries again).
async fn claim(store: &dyn Store, config: &WorkerConfig, room: u32) -> Vec<ClaimedDelivery> {
    let now = crate::clock::now();
    // A lock outlives the request timeout, so a live worker never loses it.
    let lock = chrono::Duration::from_std(config.timeout * 3).unwrap_or(chrono::Duration::seconds(30));
    let limits = ClaimLimits { max: room, per_endpoint: config.per_endpoint, per_org: config.per_org };
    store.claim_deliveries(now, now + lock, limits).await.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "claiming webhook deliveries failed");
        Vec::new()
    })
}

/// Notes a finished send that was given up on before its receiver answered.
fn collect(done: Result<(String, bool), tokio::task::JoinError>, unattempted: &mut Vec<String>) {
    if let Ok((id, false)) = done {
        unattempted.push(id);
    }
}

/// One attempt at one delivery, recorded whatever happens; false when `stop` came while
/// the receiver had not answered (then nothing is recorded and the delivery is released).
async fn deliver(
    store: &dyn Store,
    client: &reqwest::Client,
    config: &WorkerConfig,
    d: ClaimedDelivery,
    mut stop: watch::Receiver<bool>,
) -> bool {
    let started = Instant::now();
    let attempted_at = crate::clock::now();
    let mut attempt = AttemptRecord {
        delivery_id: d.id.clone(),
        attempted_at,
        response_status: None,
        latency_ms: 0,
        error: None,
        response_excerpt: None,
        next: DeliveryNext::Failed,
        disable_endpoint: None,
    };
    let sent = tokio::select! {
        sent = send(client, config, &d) => sent,
        _ = stop.wait_for(|stopping| *stopping) => return false,
    };
    match sent {
        _ if !d.endpoint_usable => attempt.error = Some("endpoint disabled or deleted".into()),
        Ok((status, excerpt)) => {
            attempt.response_status = Some(status);
            attempt.response_excerpt = Some(excerpt);
            attempt.next = if (200..300).contains(&status) {
                DeliveryNext::Succeeded
            } else if status == 410 {
                attempt.disable_endpoint =
                    Some((d.endpoint_id.clone(), "the receiver answered 410 Gone".into()));
                DeliveryNext::Failed
            } else {
                retry(config, &d)
            };
        }
        Err(error) => {
            attempt.error = Some(error);
            attempt.next = retry(config, &d);
        }
    }
    attempt.latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    tracing::info!(
        event_id = %d.event_id, endpoint_id = %d.endpoint_id, status = ?attempt.response_status,
        error = ?attempt.error, next = ?attempt.next, "webhook attempt"
    );
    if let Err(err) = store.record_attempt(&attempt).await {
        // The lock expires and the delivery is claimed again: at-least-once.
        tracing::warn!(error = %err, delivery_id = %d.id, "recording a webhook attempt failed");
    }
    true
}

/// The next attempt with ±20% jitter, or failure once the schedule is used up. Counted
/// from the precise time and rounded up to a whole second (what SQLite stores), so a
/// retry is never due before its wait is over.
fn retry(config: &WorkerConfig, d: &ClaimedDelivery) -> DeliveryNext {
    match config.retry_schedule.get(d.attempts as usize) {
        Some(wait) => {
            let jittered = wait.mul_f64(0.8 + 0.4 * rand::random::<f64>());
            let at = crate::clock::now()
                + chrono::Duration::from_std(jittered).unwrap_or(chrono::Duration::hours(1));
            let secs = at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0);
            DeliveryNext::RetryAt(chrono::DateTime::from_timestamp(secs, 0).unwrap_or(at))
        }
        None => DeliveryNext::Failed,
    }
}

/// POSTs the event; the receiver's status and the first bytes of its answer.
async fn send(
    client: &reqwest::Client,
    config: &WorkerConfig,
    d: &ClaimedDelivery,
) -> Result<(u16, String), String> {
    if !d.endpoint_usable {
        return Err("endpoint disabled or deleted".into());
    }
    // Literal IP hosts bypass the resolver: check them here (and the scheme) every time.
    ssrf::check_url(&d.url, config.allow_private).map_err(|e| format!("refused: {e}"))?;
    let body = serde_json::to_vec(&d.payload).map_err(|e| e.to_string())?;
    let timestamp = Utc::now().timestamp();
    let mut req = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("x-cadence-event", &d.event_type)
        .header("webhook-id", &d.event_id)
        .header("webhook-timestamp", timestamp.to_string());
    // While a rotation runs, both secrets sign: the new one's signature first (comma-
    // separated in ours, space-separated in Standard Webhooks', as that spec says).
    let secrets = std::iter::once(&d.secret).chain(d.previous_secret.as_ref());
    let ours: Vec<String> = secrets.clone().map(|s| sign_payload(s, &body)).collect();
    req = req.header("x-cadence-signature", ours.join(", "));
    let standard: Vec<String> =
        secrets.filter_map(|s| sign_standard(s, &d.event_id, timestamp, &body)).collect();
    if !standard.is_empty() {
        req = req.header("webhook-signature", standard.join(" "));
    }
    let mut res = req.body(body).send().await.map_err(describe)?;
    let status = res.status().as_u16();
    let mut excerpt = Vec::new();
    while excerpt.len() < EXCERPT_BYTES {
        match res.chunk().await {
            Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
            _ => break,
        }
    }
    excerpt.truncate(EXCERPT_BYTES);
    Ok((status, String::from_utf8_lossy(&excerpt).into_owned()))
}

/// A transport error in words, with its cause chain (e.g. the SSRF refusal).
fn describe(err: reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
