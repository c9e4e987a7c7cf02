//! [`AppState`]: what every handler can reach.

use crate::config::Config;
use crate::http::rate_limit::RateLimits;
use crate::request_log::RequestLog;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub request_log: RequestLog,
    pub rate_limits: Arc<RateLimits>,
    pub key_cache: Arc<crate::http::key_cache::KeyCache>,
}

impl AppState {
    /// Whether booking changes send mail: when this process has a mail transport.
    pub fn notify(&self) -> crate::domain::notify::Notify {
        if self.config.mail.transport.is_some() {
            crate::domain::notify::Notify::On
        } else {
            crate::domain::notify::Notify::Off
        }
    }
}
