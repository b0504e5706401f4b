//! The one error type of Hidden Hill. It crosses the network boundary intact (server functions
//! return it to the browser), and on the server it maps to an HTTP status for axum routes.
//! Its `Display` text is what a person reads, so it never carries internal detail.

use leptos::server_fn::{codec::JsonEncoding, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input a person can correct; `field` names the form field it belongs to.
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    #[error("Please log in to continue.")]
    Unauthenticated,
    /// Deliberately the same text for "does not exist" and "not yours": nothing leaks.
    #[error("{0} not found.")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    /// The file store did not answer; nothing was lost, and the same request will work once it
    /// is back.
    #[error("Stored videos and files cannot be reached right now. Nothing was lost; please try again in a minute.")]
    StoreUnavailable,
    /// Too much is happening at once (password checks queued); the same request will work in
    /// a few seconds.
    #[error("Hidden Hill is busy right now. Please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    /// A request from another site (a form or script elsewhere posting here with the person's
    /// cookie) was refused.
    #[error("This request came from another website, so it was refused. Use Hidden Hill's own pages.")]
    CrossSite,
    /// The server's disk is full: nothing was stored, and waiting alone will not help.
    #[error("The server's disk is full, so your file could not be saved. Nothing is lost: try again once the operator has made room.")]
    StorageFull,
    /// The server's disk is mounted read-only.
    #[error("The server's disk cannot be written to (it is read-only), so your file could not be saved. Nothing is lost: try again once the operator has fixed it.")]
    StorageReadOnly,
    /// Too many live streams (status pages, My videos) open at once for one person.
    #[error("You have {limit} live progress views open already (status pages or My videos in other tabs or windows). Close one, then reload this page.")]
    TooManyStreams { limit: usize },
    /// Detail is logged on the server, never sent.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request did not reach the server function or its answer did not come back.
    #[error("Could not reach Hidden Hill: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: Some(field.to_owned()), message: message.into() }
    }

    /// The form field this error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// When the same request may succeed again, for a `Retry-After` header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } => Some(*retry_after_secs),
            AppError::StoreUnavailable => Some(30),
            AppError::TooManyStreams { .. } => Some(10),
            _ => None,
        }
    }

    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::StoreUnavailable | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::StorageFull | AppError::StorageReadOnly => StatusCode::INSUFFICIENT_STORAGE,
            AppError::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Transport(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server, arguments that are missing or of the wrong type are the caller's
        // mistake (422), not a failure of ours: say so, and answer with that status.
        #[cfg(feature = "ssr")]
        if let ServerFnErrorErr::Args(detail)
        | ServerFnErrorErr::MissingArg(detail)
        | ServerFnErrorErr::Deserialization(detail) = &value
        {
            let error = AppError::Invalid {
                field: None,
                message: format!("The request's fields could not be read ({detail}). Use the form on the page."),
            };
            set_page_status(error.status());
            return error;
        }
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
pub use ssr::answered;

/// Gives the page being rendered on the server this HTTP status (a 404 page answers 404).
/// Does nothing in the browser, where the response has long been sent.
pub fn set_page_status(status: http::StatusCode) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use axum::response::{IntoResponse, Response};
    use std::future::Future;

    /// Runs a server function's body and, on error, answers with the status the error stands
    /// for (422, 401, 409, 429…) instead of server_fn's blanket 500, so logs and scripts see the
    /// truth. The browser decodes the same JSON error either way.
    pub async fn answered<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        let result = body.await;
        if let (Err(err), Some(response)) = (&result, leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(err.status());
            if let Some(secs) = err.retry_after_secs() {
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
        }
        result
    }

    impl From<crate::storage::StoreError> for AppError {
        fn from(err: crate::storage::StoreError) -> Self {
            use crate::storage::StoreError;
            match err {
                StoreError::NotFound(_) => AppError::NotFound("File".into()),
                StoreError::Unavailable(detail) => {
                    tracing::warn!(%detail, "object store unavailable");
                    AppError::StoreUnavailable
                }
                StoreError::BadKey(key) => {
                    tracing::error!(%key, "refused object key");
                    AppError::Internal
                }
                StoreError::Full(detail) => {
                    tracing::error!(%detail, "the disk is full; nothing more can be stored until there is room");
                    AppError::StorageFull
                }
                StoreError::ReadOnly(detail) => {
                    tracing::error!(%detail, "the disk is read-only; nothing can be stored until it is writable");
                    AppError::StorageReadOnly
                }
            }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    /// JSON API routes answer `{"error": "<message>", "field": …}` with the matching status.
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let body = serde_json::json!({ "error": self.to_string(), "field": self.field() });
            let mut response = (self.status(), axum::Json(body)).into_response();
            if let Some(secs) = self.retry_after_secs() {
                response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
            response
        }
    }
}
