//! What the server enforces, written into the OpenAPI document, so that the document is no
//! looser than the server (checked by schemathesis in the test command, `scripts/schemathesis.sh`).
//!
//! utoipa derives the shapes from the wire types; the rules that the domain and the
//! extractors apply on top (no control characters anywhere, non-blank names, lengths, ranges,
//! enums, formats, `limit` 1–100, the `Idempotency-Key` alphabet, request objects closed to
//! unknown fields) are added here in one pass over the generated document, from the same
//! constants the server checks with where they are constants.
//!
//! Rules that depend on state or on several fields at once (a slot must be open, intervals
//! must not overlap, a practitioner id must exist, `to` after `from`, an expiry in the
//! future, a webhook host that resolves to a public address) cannot be said in JSON Schema;
//! those answers are 422 with a `code`, and are listed in `schemathesis.toml`.

use crate::domain::catalog;
use crate::keys::ALL_SCOPES;
use crate::model::MAX_SERVICE_MINUTES;
use crate::webhooks::EVENT_TYPES;
use serde_json::{Value, json};

/// Text: no control character (Unicode `Cc`, which the server refuses with 400/422).
const NO_CONTROL: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
/// Free text (`notes`, `description`, `reason`): line breaks and tabs are allowed.
const FREE_TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// A name: no control character and at least one character that is not white space
/// (names are trimmed, and an empty one is refused).
const NON_BLANK: &str =
    r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
/// `Idempotency-Key`: 1–255 visible ASCII characters.
const IDEMPOTENCY_KEY: &str = r"^[!-~]{1,255}$";
/// An e-mail address as `input::email` accepts it: `local@domain.tld`, no white space inside
/// (white space around it is trimmed, control characters are refused).
const EMAIL: &str = r"^[^\S\u0000-\u001F\u007F-\u009F]*[^\s@\u0000-\u001F\u007F-\u009F]+@[^\s@.\u0000-\u001F\u007F-\u009F]+(\.[^\s@.\u0000-\u001F\u007F-\u009F]+)+[^\S\u0000-\u001F\u007F-\u009F]*$";
/// `#rrggbb`.
const COLOR: &str = r"^#[0-9A-Fa-f]{6}$";
/// An org slug: 3–63 lowercase letters, digits and inner hyphens.
const SLUG: &str = r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$";
/// A phone number: digits with formatting (` +-().`), 5–20 digits, `+` only first.
const PHONE: &str = r"^\+?[ ().-]*([0-9][ ().-]*){5,20}$";
/// A `YYYY-MM-DD` date or an RFC 3339 instant with an offset.
const DATE_OR_INSTANT: &str = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$";

/// Adds the server's rules to `doc` (the document as JSON).
pub fn apply(doc: &mut Value) {
    let zones = json!({ "type": "string", "enum": chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect::<Vec<_>>(),
        "description": "An IANA timezone name, e.g. `Europe/Berlin`." });
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.insert("Timezone".into(), zones);
        for (name, schema) in schemas.iter_mut() {
            if is_request(name) {
                close(schema);
            }
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                for (prop, value) in props.iter_mut() {
                    property(name, prop, value);
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        links(paths);
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (_, operation) in item.iter_mut() {
                if let Some(body) = operation.get_mut("requestBody") {
                    optional_body(body);
                }
                let Some(params) = operation.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for param in params {
                    parameter(path, param);
                }
            }
        }
    }
}

/// Request bodies and the objects inside them: `deny_unknown_fields` on the server.
fn is_request(schema: &str) -> bool {
    schema.ends_with("Request")
        || matches!(schema, "CustomerInput" | "Branding" | "Interval" | "DateOverride" | "WeeklyHours")
}

fn close(schema: &mut Value) {
    if let Some(o) = schema.as_object_mut() {
        o.insert("additionalProperties".into(), Value::Bool(false));
    }
}

/// The rule of one property of a component schema.
fn property(schema: &str, prop: &str, value: &mut Value) {
    let minutes = |min: u32, max: u32| json!({ "minimum": min, "maximum": max });
    let extra = match (schema, prop) {
        (_, "timezone") if is_request(schema) => return timezone(value),
        (_, "name" | "display_name" | "org_name") if is_request(schema) => {
            json!({ "pattern": NON_BLANK, "maxLength": 200 })
        }
        // Where the e-mail address is optional, an empty one means none.
        ("CustomerInput" | "CreatePractitionerRequest" | "UpdatePractitionerRequest", "email") => {
            json!({ "pattern": format!("^$|{EMAIL}"), "maxLength": 254 })
        }
        (_, "email") if is_request(schema) => json!({ "pattern": EMAIL, "maxLength": 254 }),
        ("CustomerInput", "phone") => json!({ "pattern": PHONE }),
        (_, "password" | "new_password") if schema != "LoginRequest" => {
            json!({ "minLength": 10, "maxLength": 256 })
        }
        (_, "password" | "current_password") => json!({ "maxLength": 1024 }),
        ("Branding", "primary_color") => json!({ "pattern": COLOR }),
        ("Branding", "logo_url") => {
            // As `domain::validation::check_branding` checks it, to the character.
            json!({ "pattern": r"^https://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,5})?(/[^\s\u0000-\u001F\u007F-\u009F]*)?$", "maxLength": 2048 })
        }
        ("SignupRequest", "org_slug") => json!({ "pattern": SLUG }),
        // The booking page's languages; `null` where the field is nullable (every one is).
        (_, "locale") => {
            let mut locales: Vec<Value> = cadence_shared::LOCALES.iter().map(|l| json!(l)).collect();
            locales.push(Value::Null);
            json!({ "enum": locales })
        }
        (_, "description") if schema.contains("Service") => json!({ "maxLength": 2000 }),
        (_, "description") if is_request(schema) => json!({ "maxLength": 500 }),
        (_, "notes") if is_request(schema) => json!({ "maxLength": 2000 }),
        (_, "reason") if is_request(schema) => json!({ "maxLength": 500 }),
        (_, "duration_minutes") if is_request(schema) => minutes(1, MAX_SERVICE_MINUTES),
        (_, "buffer_before_minutes" | "buffer_after_minutes") if is_request(schema) => {
            minutes(0, MAX_SERVICE_MINUTES)
        }
        (_, "slot_interval_minutes") if is_request(schema) => minutes(1, 1440),
        (_, "min_notice_minutes") if is_request(schema) => minutes(0, 525_600),
        (_, "booking_window_days") if is_request(schema) => minutes(1, 730),
        (_, "reminder_minutes_before") if is_request(schema) => minutes(0, 40_320),
        (_, "date_overrides") if is_request(schema) => json!({ "maxItems": catalog::MAX_DATE_OVERRIDES }),
        ("CreateApiKeyRequest", "scopes") => {
            json!({ "minItems": 1, "items": { "type": "string", "enum": ALL_SCOPES } })
        }
        ("CreateWebhookRequest" | "UpdateWebhookRequest", "events") => {
            let mut events: Vec<&str> = EVENT_TYPES.to_vec();
            events.push("*");
            json!({ "minItems": 1, "items": { "type": "string", "enum": events } })
        }
        ("CreateWebhookRequest" | "UpdateWebhookRequest", "url") => {
            json!({ "pattern": r"^\s*https?://[^\s\u0000-\u001F\u007F-\u009F]+$", "maxLength": 2048 })
        }
        ("CreateBookingRequest" | "RescheduleRequest", "start") => json!({ "format": "date-time" }),
        ("CreateApiKeyRequest", "expires_at") => json!({ "format": "date-time" }),
        _ => Value::Null,
    };
    merge(value, &extra);
    if is_request(schema) {
        no_control(
            value,
            if matches!(prop, "notes" | "description" | "reason") { FREE_TEXT } else { NO_CONTROL },
        );
    }
}

/// OpenAPI links, so that a client (and schemathesis's stateful phase) can follow ids: the
/// object a `POST` creates, and the first item of a list, lead to the routes of that item
/// (`{collection}/{id}` and below); a created service leads to its availability, a booking
/// made on the public surface to its manage routes (with its `manage_token`).
fn links(paths: &mut serde_json::Map<String, Value>) {
    let routes: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            methods.into_iter().map(move |m| (path.clone(), m))
        })
        .collect();
    let under = |prefix: &str| -> Vec<(String, String)> {
        routes.iter().filter(|(p, _)| p == prefix || p.starts_with(&format!("{prefix}/"))).cloned().collect()
    };
    let mut add = |path: &str, method: &str, status: &str, targets: &[(String, String)], params: &Value| {
        let Some(response) = paths
            .get_mut(path)
            .and_then(|i| i.get_mut(method))
            .and_then(|o| o.pointer_mut(&format!("/responses/{status}")))
        else {
            return;
        };
        let Some(response) = response.as_object_mut() else { return };
        let links = response.entry("links").or_insert_with(|| json!({}));
        for (target, target_method) in targets {
            let name = format!("{target_method}{}", target.replace(['{', '}'], "").replace('/', "_"));
            let pointer = target.replace('~', "~0").replace('/', "~1");
            links[name] =
                json!({ "operationRef": format!("#/paths/{pointer}/{target_method}"), "parameters": params });
        }
    };
    for (path, method) in &routes {
        let item = format!("{path}/{{id}}");
        let targets = under(&item);
        if targets.is_empty() {
            continue;
        }
        match method.as_str() {
            "post" => add(path, "post", "201", &targets, &json!({ "id": "$response.body#/id" })),
            "get" => add(path, "get", "200", &targets, &json!({ "id": "$response.body#/data/0/id" })),
            _ => {}
        }
    }
    let availability = [("/api/v1/availability".to_owned(), "get".to_owned())];
    add("/api/v1/services", "post", "201", &availability, &json!({ "service_id": "$response.body#/id" }));
    let manage = under("/api/v1/public/bookings/{id}");
    let token = json!({ "id": "$response.body#/id", "token": "$response.body#/manage_token" });
    add("/api/v1/public/orgs/{slug}/bookings", "post", "201", &manage, &token);
}

/// The rule of one path, query or header parameter.
fn parameter(path: &str, param: &mut Value) {
    let name = param.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
    let place = param.get("in").and_then(Value::as_str).unwrap_or_default().to_owned();
    if param.get("schema").is_none() {
        return;
    }
    let extra = match name.as_str() {
        "limit" => json!({ "minimum": 1, "maximum": 100 }),
        "Idempotency-Key" => json!({ "pattern": IDEMPOTENCY_KEY }),
        "status" => json!({ "enum": ["confirmed", "cancelled"] }),
        "include" => json!({ "enum": ["practitioner_ids"] }),
        "from" | "to" => json!({ "pattern": DATE_OR_INSTANT }),
        "service_id" if path.ends_with("/availability") => {
            param["required"] = Value::Bool(true);
            json!({ "minLength": 1, "pattern": NON_BLANK })
        }
        _ if place == "path" => json!({ "minLength": 1 }),
        _ => Value::Null,
    };
    let Some(schema) = param.get_mut("schema") else { return };
    merge(schema, &extra);
    no_control(schema, NO_CONTROL);
}

/// An optional body (`Option<T>` in utoipa) is documented as `null` or the object; the
/// server takes no body or the object, not the JSON `null`.
fn optional_body(body: &mut Value) {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else { return };
    for media in content.values_mut() {
        let Some(schema) = media.get_mut("schema") else { continue };
        let Some(variants) = schema.get("oneOf").and_then(Value::as_array) else { continue };
        let not_null: Vec<Value> =
            variants.iter().filter(|v| v.get("type") != Some(&json!("null"))).cloned().collect();
        if let [only] = not_null.as_slice() {
            *schema = only.clone();
        }
    }
}

/// A request's timezone: one of the IANA names (nullable where the field is).
fn timezone(value: &mut Value) {
    let nullable = value.get("type").and_then(Value::as_array).is_some_and(|t| t.iter().any(|t| t == "null"));
    let description = value.get("description").cloned();
    let mut zone = json!({ "$ref": "#/components/schemas/Timezone" });
    if nullable {
        zone = json!({ "oneOf": [{ "type": "null" }, zone] });
    }
    if let Some(d) = description {
        zone["description"] = d;
    }
    *value = zone;
}

/// Adds `extra`'s keys to `value` (a schema, or `oneOf` of `null` and a schema).
fn merge(value: &mut Value, extra: &Value) {
    let Some(extra) = extra.as_object() else { return };
    let Some(target) = value.as_object_mut() else { return };
    for (k, v) in extra {
        target.insert(k.clone(), v.clone());
    }
}

/// Every text without a pattern, enum or format of its own gets `pattern`; also the
/// strings inside arrays.
fn no_control(schema: &mut Value, pattern: &str) {
    let Some(o) = schema.as_object_mut() else { return };
    if let Some(items) = o.get_mut("items") {
        no_control(items, pattern);
    }
    let is_text = match o.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_text && !o.contains_key("pattern") && !o.contains_key("enum") && !o.contains_key("format") {
        o.insert("pattern".into(), Value::String(pattern.to_owned()));
    }
}
