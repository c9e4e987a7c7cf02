//! Nested objects of request bodies are read from JSON objects only.
//!
//! serde's derived `Deserialize` for a struct also accepts a sequence (positional fields),
//! so `"branding": [null, null]` would be read as an empty branding although the OpenAPI
//! document (and every client) says `branding` is an object. Fields marked
//! `#[serde(deserialize_with = "crate::object::only")]` (or `optional`) refuse anything but
//! an object (or `null`), as the document promises.

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// `#[serde(deserialize_with = "crate::object::only")]`: the value must be an object.
pub fn only<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor(PhantomData))
}

struct OptionalVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        only(d).map(Some)
    }
}

/// The same for an optional object (`null` or absent → `None`; pair with `#[serde(default)]`).
pub fn optional<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_option(OptionalVisitor(PhantomData))
}

/// `#[serde(default, deserialize_with = "crate::object::some")]` tells "absent" (`None`)
/// from "null" (`Some(None)`) in a PATCH body.
pub fn some<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Inner {
        #[serde(default)]
        a: Option<String>,
        #[serde(default)]
        b: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[serde(deserialize_with = "super::only")]
        inner: Inner,
        #[serde(default, deserialize_with = "super::optional")]
        maybe: Option<Inner>,
    }

    #[test]
    fn objects_are_read_and_arrays_refused() {
        let ok: Outer = serde_json::from_str(r#"{"inner":{"a":"x"},"maybe":{"b":"y"}}"#).unwrap();
        assert_eq!(ok.inner.a.as_deref(), Some("x"));
        assert_eq!(ok.maybe.unwrap().b.as_deref(), Some("y"));
        let none: Outer = serde_json::from_str(r#"{"inner":{},"maybe":null}"#).unwrap();
        assert!(none.maybe.is_none());
        let absent: Outer = serde_json::from_str(r#"{"inner":{}}"#).unwrap();
        assert!(absent.maybe.is_none());
        // serde's derive alone would accept both of these as positional fields.
        assert!(serde_json::from_str::<Inner>("[null, null]").is_ok());
        let err = serde_json::from_str::<Outer>(r#"{"inner":[null, null]}"#).unwrap_err();
        assert!(err.to_string().contains("a JSON object"), "{err}");
        let err =
            serde_json::from_value::<Outer>(serde_json::json!({"inner": {}, "maybe": [null]})).unwrap_err();
        assert!(err.to_string().contains("a JSON object"), "{err}");
    }
}
