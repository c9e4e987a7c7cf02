//! The `req_…` id of the request being handled. It lives in a task-local for the duration
//! of the request, so an error turned into a response anywhere below (handler, extractor,
//! fallback) can put it into the envelope without threading it through every signature.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `work` as the handling of the request `id`.
pub async fn scope<F: Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The `req_…` id of the request this task is handling, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}
