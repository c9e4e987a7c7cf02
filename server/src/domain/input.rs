//! Values from outside, parsed once at the edge into types the rest of the server trusts:
//! instants (an offset is required), dates-or-instants of availability queries, and the
//! customer of a booking.

use crate::domain::DomainError;
use cadence_shared::CustomerInput;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// An RFC 3339 instant with an explicit offset, normalised to UTC. A time without an offset
/// is refused (422), never guessed.
pub fn instant(field: &str, raw: &str) -> Result<DateTime<Utc>, DomainError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M:%S").is_ok()
        || NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").is_ok();
    let message = if naive {
        format!(
            "'{raw}' has no UTC offset; send an instant such as 2026-06-01T13:00:00Z or 2026-06-01T15:00:00+02:00."
        )
    } else {
        format!("'{raw}' is not an RFC 3339 instant such as 2026-06-01T13:00:00Z.")
    };
    Err(DomainError::invalid(if naive { "missing_offset" } else { "invalid_time" }, field, message))
}

/// Which end of a range a date stands for.
#[derive(Clone, Copy)]
pub enum RangeEnd {
    /// A date means its first instant.
    From,
    /// A date means the instant after its last (the range includes the whole day).
    To,
}

/// A `YYYY-MM-DD` date in the org's timezone, or an instant.
pub fn date_or_instant(field: &str, raw: &str, tz: Tz, end: RangeEnd) -> Result<DateTime<Utc>, DomainError> {
    let Ok(date) = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") else {
        return instant(field, raw);
    };
    let day = match end {
        RangeEnd::From => Some(date),
        RangeEnd::To => date.succ_opt(),
    }
    .ok_or_else(|| DomainError::invalid("invalid_date", field, format!("'{raw}' is out of range.")))?;
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight");
    // A midnight that falls in a DST gap starts the day at the first instant after it.
    let local = tz.from_local_datetime(&midnight).earliest().or_else(|| {
        (1..=180).find_map(|m| tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m))).earliest())
    });
    local.map(|t| t.with_timezone(&Utc)).ok_or_else(|| {
        DomainError::invalid("invalid_date", field, format!("'{raw}' has no midnight in {tz}."))
    })
}

/// A booking's customer, checked: a name, and at least one of e-mail or phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub name: String,
    /// Lower-cased.
    pub email: Option<String>,
    /// Digits with an optional leading `+`.
    pub phone: Option<String>,
    /// An IANA timezone for the times in the customer's mails.
    pub timezone: Option<String>,
}

pub fn customer(c: &CustomerInput) -> Result<Customer, DomainError> {
    let name = c.name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(
            "missing_field",
            "customer.name",
            "The customer's name is required.",
        ));
    }
    if name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "too_long",
            "customer.name",
            "The name is longer than 200 characters.",
        ));
    }
    let email = c
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|e| email("customer.email", e))
        .transpose()?;
    let phone = match c.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(raw) => Some(phone(raw)?),
    };
    if email.is_none() && phone.is_none() {
        return Err(DomainError::invalid(
            "missing_contact",
            "customer.email",
            "Give the customer's e-mail address or phone number (or both).",
        ));
    }
    let timezone = match c.timezone.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(tz) => Some(
            crate::domain::validation::check_timezone(tz)
                .map_err(|m| DomainError::invalid("invalid_timezone", "customer.timezone", m))?
                .name()
                .to_owned(),
        ),
    };
    Ok(Customer { name: name.to_owned(), email, phone, timezone })
}

/// An e-mail address, lower-cased (a plausibility check: `local@domain.tld`, no spaces).
pub fn email(field: &str, raw: &str) -> Result<String, DomainError> {
    let e = raw.trim().to_lowercase();
    let valid = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !e.chars().any(char::is_whitespace);
    if valid {
        Ok(e)
    } else {
        Err(DomainError::invalid("invalid_email", field, format!("'{raw}' is not an e-mail address.")))
    }
}

/// Keeps digits and a leading `+`; spaces, dashes, dots and brackets are formatting.
fn phone(raw: &str) -> Result<String, DomainError> {
    let allowed = raw.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let plus = raw.starts_with('+');
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if !allowed || !(5..=20).contains(&digits.len()) || raw[1..].contains('+') {
        return Err(DomainError::invalid(
            "invalid_phone",
            "customer.phone",
            format!("'{raw}' is not a phone number."),
        ));
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

/// Optional free text with a length limit.
pub fn text(field: &str, raw: Option<&str>, max_chars: usize) -> Result<Option<String>, DomainError> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if t.chars().count() > max_chars {
        return Err(DomainError::invalid("too_long", field, format!("Longer than {max_chars} characters.")));
    }
    Ok(Some(t.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, email: Option<&str>, phone: Option<&str>) -> CustomerInput {
        CustomerInput {
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            timezone: None,
        }
    }

    #[test]
    fn instants_need_an_offset() {
        assert_eq!(
            instant("start", "2026-06-01T15:00:00+02:00").unwrap().to_rfc3339(),
            "2026-06-01T13:00:00+00:00"
        );
        let err = instant("start", "2026-06-01T13:00:00").unwrap_err();
        assert!(matches!(err, DomainError::Invalid { code: "missing_offset", .. }));
        assert!(matches!(
            instant("start", "tomorrow").unwrap_err(),
            DomainError::Invalid { code: "invalid_time", .. }
        ));
    }

    #[test]
    fn dates_are_whole_days_in_the_org_zone() {
        let tz = chrono_tz::Europe::Berlin;
        assert_eq!(
            date_or_instant("from", "2026-06-01", tz, RangeEnd::From).unwrap().to_rfc3339(),
            "2026-05-31T22:00:00+00:00"
        );
        assert_eq!(
            date_or_instant("to", "2026-06-01", tz, RangeEnd::To).unwrap().to_rfc3339(),
            "2026-06-01T22:00:00+00:00"
        );
        assert!(date_or_instant("to", "2026-13-01", tz, RangeEnd::To).is_err());
    }

    #[test]
    fn customers_need_a_name_and_a_way_to_reach_them() {
        let c = customer(&input(" Ada ", Some("Ada@Example.COM"), Some("+49 (30) 1234-567"))).unwrap();
        assert_eq!(c.name, "Ada");
        assert_eq!(c.email.as_deref(), Some("ada@example.com"));
        assert_eq!(c.phone.as_deref(), Some("+49301234567"));
        assert!(customer(&input("  ", Some("a@b.co"), None)).is_err());
        assert!(customer(&input("Ada", None, None)).is_err());
        assert!(customer(&input("Ada", Some("not-an-email"), None)).is_err());
        assert!(customer(&input("Ada", None, Some("12+34"))).is_err());
        assert!(customer(&input("Ada", None, Some("call me"))).is_err());
    }
}
