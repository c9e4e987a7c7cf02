//! `--demo`: the org `movela` (a physio and massage practice in Berlin) with two services,
//! three practitioners and an owner account (`owner@movela.example`) for the dashboard,
//! seeded once; a fresh API key and a fresh owner password on every start (both shown once,
//! stored hashed).

use crate::domain::accounts::hash_password;
use crate::keys::{ALL_SCOPES, generate_api_key, random_token};
use crate::model::{NewApiKey, NewOrg, NewPractitioner, NewService, NewUser, Org};
use crate::store::Store;
use cadence_shared::{Branding, DateOverride, Interval, WeeklyHours};

pub const DEMO_SLUG: &str = "movela";
/// The demo org's owner, who logs in to the dashboard.
pub const DEMO_OWNER: &str = "owner@movela.example";

/// What the operator is shown after seeding.
pub struct DemoSeed {
    pub org: Org,
    /// Created on this start; shown once, stored hashed.
    pub api_key: String,
    /// The owner's password, new on this start (older sessions end); shown once.
    pub owner_password: String,
}

/// Creates the demo org unless it exists, then mints a new demo API key.
pub async fn seed(store: &dyn Store) -> anyhow::Result<DemoSeed> {
    let owner_password = random_token()[..16].to_owned();
    let hash = hash_password(owner_password.clone()).await?;
    let org = match store.find_org_by_slug(DEMO_SLUG).await? {
        Some(org) => {
            // A demo database from before the dashboard has no owner; it keeps having none.
            if let Some(owner) = store.find_user_by_email(DEMO_OWNER).await? {
                store.set_password(&owner.id, &hash, "").await?;
            }
            org
        }
        None => create_demo_org(store, hash).await?,
    };
    let key = generate_api_key();
    store
        .create_api_key(&NewApiKey {
            org_id: org.id.clone(),
            name: format!("demo key {}", chrono::Utc::now().format("%Y-%m-%d %H:%M")),
            key_hash: key.hash,
            key_prefix: key.display,
            scopes: ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
            created_by: None,
            expires_at: None,
        })
        .await?;
    Ok(DemoSeed { org, api_key: key.plain, owner_password })
}

async fn create_demo_org(store: &dyn Store, owner_hash: String) -> anyhow::Result<Org> {
    let owner =
        NewUser { email: DEMO_OWNER.into(), password_hash: owner_hash, display_name: "Movela Owner".into() };
    let (_, org) = store
        .create_account(
            &owner,
            &NewOrg {
                slug: DEMO_SLUG.into(),
                name: "Movela Physio & Massage".into(),
                timezone: "Europe/Berlin".into(),
                branding: Branding { primary_color: Some("#0f766e".into()), logo_url: None },
            },
        )
        .await?;
    let ada = store
        .create_practitioner(
            &org.id,
            &practitioner(
                "Dr. Ada Park",
                "ada@movela.example",
                weekdays(&[("09:00", "12:00"), ("13:00", "17:00")]),
                true,
            ),
        )
        .await?;
    let jonas = store
        .create_practitioner(
            &org.id,
            &practitioner(
                "Jonas Weber",
                "jonas@movela.example",
                WeeklyHours {
                    tuesday: hours(&[("10:00", "18:00")]),
                    wednesday: hours(&[("10:00", "18:00")]),
                    thursday: hours(&[("12:00", "20:00")]),
                    friday: hours(&[("10:00", "18:00")]),
                    saturday: hours(&[("09:00", "14:00")]),
                    ..WeeklyHours::default()
                },
                false,
            ),
        )
        .await?;
    let mira = store
        .create_practitioner(
            &org.id,
            &practitioner(
                "Mira Costa",
                "mira@movela.example",
                WeeklyHours {
                    monday: hours(&[("08:00", "14:00")]),
                    wednesday: hours(&[("08:00", "14:00")]),
                    thursday: hours(&[("14:00", "20:00")]),
                    friday: hours(&[("08:00", "14:00")]),
                    ..WeeklyHours::default()
                },
                true,
            ),
        )
        .await?;
    store
        .create_service(
            &org.id,
            &NewService {
                name: "Initial consultation".into(),
                description: "A first assessment of your complaint and a treatment plan.".into(),
                duration_minutes: 30,
                buffer_after_minutes: 10,
                slot_interval_minutes: 30,
                min_notice_minutes: 120,
                booking_window_days: 60,
                reminder_minutes_before: 1440,
                practitioner_ids: vec![ada, mira.clone()],
                active: true,
                ..NewService::default()
            },
        )
        .await?;
    store
        .create_service(
            &org.id,
            &NewService {
                name: "Sports massage".into(),
                description: "Deep-tissue massage for recovery and mobility.".into(),
                duration_minutes: 60,
                buffer_after_minutes: 15,
                slot_interval_minutes: 30,
                min_notice_minutes: 240,
                booking_window_days: 60,
                reminder_minutes_before: 1440,
                practitioner_ids: vec![jonas, mira],
                active: true,
                ..NewService::default()
            },
        )
        .await?;
    Ok(org)
}

fn practitioner(name: &str, email: &str, weekly_hours: WeeklyHours, christmas_off: bool) -> NewPractitioner {
    let date_overrides = if christmas_off {
        vec![DateOverride {
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 24).expect("valid date"),
            intervals: vec![],
        }]
    } else {
        vec![]
    };
    NewPractitioner {
        name: name.into(),
        email: Some(email.into()),
        timezone: None,
        weekly_hours,
        date_overrides,
        active: true,
    }
}

fn hours(spans: &[(&str, &str)]) -> Vec<Interval> {
    spans
        .iter()
        .map(|(a, b)| Interval { start: a.parse().expect("demo time"), end: b.parse().expect("demo time") })
        .collect()
}

fn weekdays(spans: &[(&str, &str)]) -> WeeklyHours {
    WeeklyHours {
        monday: hours(spans),
        tuesday: hours(spans),
        wednesday: hours(spans),
        thursday: hours(spans),
        friday: hours(spans),
        ..WeeklyHours::default()
    }
}
