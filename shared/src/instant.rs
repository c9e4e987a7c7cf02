//! Instants on the wire are RFC 3339 (`2026-12-01T09:00:00Z`). Response types that the
//! widget reads deserialize them with chrono's dedicated RFC 3339 parser: chrono's general
//! `FromStr` drags its whole format-string parser into the widget's wasm (~8 KB).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, de::Error};

fn parse<E: Error>(text: &str) -> Result<DateTime<Utc>, E> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(E::custom)
}

/// `#[serde(deserialize_with = "crate::instant::rfc3339")]`
pub fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    parse(&String::deserialize(d)?)
}

/// The same for an optional instant (`null` or absent → `None`; pair with `#[serde(default)]`).
pub fn rfc3339_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?.map(|t| parse(&t)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(Deserialize)]
    struct At {
        #[serde(deserialize_with = "rfc3339")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "rfc3339_opt")]
        until: Option<DateTime<Utc>>,
    }

    #[test]
    fn reads_utc_and_offsets_and_refuses_other_text() {
        let nine = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let a: At = serde_json::from_str(r#"{"at":"2026-12-01T09:00:00Z"}"#).unwrap();
        assert_eq!((a.at, a.until), (nine, None));
        let a: At = serde_json::from_str(r#"{"at":"2026-12-01T10:00:00+01:00","until":null}"#).unwrap();
        assert_eq!((a.at, a.until), (nine, None));
        let a: At =
            serde_json::from_str(r#"{"at":"2026-12-01T09:00:00.000Z","until":"2026-12-01T09:30:00Z"}"#)
                .unwrap();
        assert_eq!(a.until, Some(nine + chrono::Duration::minutes(30)));
        // The output of chrono's own serializer reads back.
        let written = serde_json::to_string(&nine).unwrap();
        let a: At = serde_json::from_str(&format!(r#"{{"at":{written}}}"#)).unwrap();
        assert_eq!(a.at, nine);
        assert!(serde_json::from_str::<At>(r#"{"at":"2026-12-01 09:00"}"#).is_err());
        assert!(serde_json::from_str::<At>(r#"{"at":"tomorrow"}"#).is_err());
    }
}
