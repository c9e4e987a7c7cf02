//! Customers, recorded per org from their bookings: matched by e-mail (unique per org,
//! case-insensitive), else by phone.

use super::StoreError;
use super::ts::Ts;
use crate::model::CustomerRecord;
use async_trait::async_trait;

/// The org's customers.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Newest first, after the customer id `after`; with `search`, only those whose name or
    /// e-mail address contains it (case-insensitive; on SQLite for ASCII letters only).
    async fn list_customers(
        &self,
        org_id: &str,
        search: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CustomerRecord>, StoreError>;
    async fn get_customer(&self, org_id: &str, id: &str) -> Result<Option<CustomerRecord>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct CustomerRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub booking_count: i64,
    pub last_booking_at: Option<Ts>,
    pub created_at: Ts,
}

impl From<CustomerRow> for CustomerRecord {
    fn from(r: CustomerRow) -> Self {
        CustomerRecord {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            booking_count: u32::try_from(r.booking_count).unwrap_or(u32::MAX),
            last_booking_at: r.last_booking_at.map(|t| t.0),
            created_at: r.created_at.0,
        }
    }
}

/// The `LIKE` pattern for "contains `text`", lower-cased, with `%`, `_` and `\` taken
/// literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// `impl CustomerStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_customers_store {
    ($store:ty, $db:ty) => {
        mod customers_sql {
            use super::*;
            use $crate::store::customers::CustomerRow;
            use $crate::store::ts::Ts;
            use sqlx::Transaction;

            impl $store {
                /// The customer record for a booking: matched by e-mail (unique per org) or else
                /// by phone; created when new, its name and phone refreshed when known.
                pub(super) async fn upsert_customer(tx: &mut Transaction<'static, $db>, b: &NewBooking) -> Result<String, StoreError> {
                    if let Some(email) = &b.customer_email {
                        return sqlx::query_scalar(
                            "INSERT INTO customers (id, org_id, name, email, phone, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $6) \
                             ON CONFLICT (org_id, email) WHERE email IS NOT NULL DO UPDATE SET \
                             name = excluded.name, phone = COALESCE(excluded.phone, customers.phone), \
                             updated_at = excluded.updated_at \
                             RETURNING id",
                        )
                        .bind($crate::ids::new_id("cus"))
                        .bind(&b.org_id)
                        .bind(&b.customer_name)
                        .bind(email)
                        .bind(&b.customer_phone)
                        .bind(Ts(b.now))
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(map_err);
                    }
                    let existing: Option<String> = sqlx::query_scalar(
                        "SELECT id FROM customers WHERE org_id = $1 AND phone = $2 AND email IS NULL ORDER BY id LIMIT 1",
                    )
                    .bind(&b.org_id)
                    .bind(&b.customer_phone)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    if let Some(id) = existing {
                        sqlx::query("UPDATE customers SET name = $2, updated_at = $3 WHERE id = $1")
                            .bind(&id)
                            .bind(&b.customer_name)
                            .bind(Ts(b.now))
                            .execute(&mut **tx)
                            .await
                            .map_err(map_err)?;
                        return Ok(id);
                    }
                    let id = $crate::ids::new_id("cus");
                    sqlx::query(
                        "INSERT INTO customers (id, org_id, name, phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(&id)
                    .bind(&b.org_id)
                    .bind(&b.customer_name)
                    .bind(&b.customer_phone)
                    .bind(Ts(b.now))
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    Ok(id)
                }
            }

            #[async_trait]
            impl CustomerStore for $store {
                async fn list_customers(
                    &self,
                    org_id: &str,
                    search: Option<&str>,
                    after: Option<&str>,
                    limit: u32,
                ) -> Result<Vec<CustomerRecord>, StoreError> {
                    let pattern = search.map($crate::store::customers::contains_pattern);
                    let rows: Vec<CustomerRow> = sqlx::query_as(&format!(
                        "{CUSTOMERS} WHERE c.org_id = $1 AND ($2 IS NULL OR c.id < $2) \
                         AND ($4 IS NULL OR lower(c.name) LIKE $4 ESCAPE '\\' OR lower(c.email) LIKE $4 ESCAPE '\\') \
                         ORDER BY c.id DESC LIMIT $3"
                    ))
                    .bind(org_id)
                    .bind(after)
                    .bind(i64::from(limit))
                    .bind(pattern)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn get_customer(&self, org_id: &str, id: &str) -> Result<Option<CustomerRecord>, StoreError> {
                    let row: Option<CustomerRow> = sqlx::query_as(&format!("{CUSTOMERS} WHERE c.org_id = $1 AND c.id = $2"))
                        .bind(org_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }
            }
        }
    };
}
pub(super) use impl_customers_store;
