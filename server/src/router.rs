//! The HTTP surface: Leptos pages and server functions, health, static site files, and the
//! headers every response carries.

use app::backend::metrics::metrics;
use app::{
    backend::{
        security::{is_cross_site, NON_PAGE_POLICY},
        state::AppState,
    },
    error::AppError,
    shell,
    storage::StoreError,
    App,
};
use axum::{
    body::Body,
    extract::{MatchedPath, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use http::{header, HeaderName, HeaderValue};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        predicate::{NotForContentType, Predicate},
        CompressionLayer, DefaultPredicate,
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
    LatencyUnit,
};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let hsts = state.config.secure_cookies();
    let body_timeout = state.config.body_timeout;
    let leptos_options = state.leptos_options.clone();
    let leptos_options_for_files = state.leptos_options.clone();
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || {
                    provide_context(state.clone());
                    // One read of a job's history per page render, however often it is built.
                    provide_context(app::jobs::RenderMemo::default());
                }
            },
            move || shell(leptos_options.clone()),
        )
        .route_layer(axum::middleware::from_fn_with_state(RENDER_DEADLINE, redo_stalled_render));
    let router = Router::new()
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics_with_token))
        .merge(crate::api::jobs::routes(state.config.upload_limit))
        .merge(crate::api::media::routes())
        .merge(pages)
        .nest_service("/pkg", bundle_files(&leptos_options_for_files))
        // Every other path: a file of the site, else the 404 page, a render like any page's
        // and so redone when it stalls too (route_layer above does not reach the fallback).
        .fallback_service(redone_when_stalled(
            leptos_axum::file_and_error_handler::<AppState, _>(shell),
            state.clone(),
            RENDER_DEADLINE,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), refuse_cross_site))
        .layer(axum::middleware::map_response(not_for_caches))
        // Inside the routes, where the matched route is known: one log line and one count per
        // request, by route.
        .layer(axum::middleware::from_fn(count_request))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis)),
        )
        .with_state(state);
    // Video and other media are already compressed, and gzip would break their byte ranges.
    let compress =
        DefaultPredicate::new().and(NotForContentType::const_new("video/")).and(NotForContentType::const_new("audio/"));
    let router = router.layer(axum::middleware::from_fn_with_state(body_timeout, crate::serve::body_deadline));
    with_security_headers(router, hsts)
        .layer(CompressionLayer::new().compress_when(compress))
        .layer(CatchPanicLayer::custom(answer_panic))
        // Outermost: every request has an id (the client's `x-request-id`, else a new UUID),
        // and every answer says it back.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The span every log line of a request carries: its id, method and route.
fn request_span(request: &Request) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    let route = request.extensions().get::<MatchedPath>().map_or("-", MatchedPath::as_str);
    tracing::info_span!("request", id, method = %request.method(), route)
}

/// How long a page's server-side render may take before it is taken for stalled.
const RENDER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Renders a page whole (it is small; the `Async` routes are whole anyway), and once more when
/// the first render has not finished within [`RENDER_DEADLINE`]: leptos 0.8's server-side
/// render now and then stops for good with a Suspense boundary unresolved and nothing left to
/// wake it (ARCHITECTURE.md, "Known defects"). A page's render only reads, so a second one is
/// safe; it is given all the time it needs.
async fn redo_stalled_render(State(deadline): State<std::time::Duration>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), http::Method::GET | http::Method::HEAD) {
        return next.run(request).await;
    }
    let (parts, _) = request.into_parts();
    let render = |next: Next, parts: http::request::Parts| async move {
        let (head, body) = next.run(Request::from_parts(parts, Body::empty())).await.into_parts();
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => Response::from_parts(head, Body::from(bytes)),
            Err(e) => {
                tracing::error!(error = %e, "a page's render failed mid-body");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    };
    match tokio::time::timeout(deadline, render(next.clone(), parts.clone())).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %parts.uri.path(), "a page's render stalled; rendering it again");
            metrics().page_render_redone();
            render(next, parts).await
        }
    }
}

/// `fallback` (a handler on state `S`) as a router whose renders are redone by
/// [`redo_stalled_render`] when unfinished after `deadline`: `route_layer` does not reach a
/// router's fallback, and the 404 page is a render like any page's.
fn redone_when_stalled<H, T, S>(fallback: H, state: S, deadline: std::time::Duration) -> Router
where
    H: axum::handler::Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(deadline, redo_stalled_render))
        .with_state(state)
}

/// Counts the request in the metrics, by its route's pattern (never the path, which has ids).
async fn count_request(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    metrics().http_request(method.as_str(), &route, response.status().as_u16(), started.elapsed());
    response
}

/// The router that serves `/metrics` alone, without a token, on `HH_METRICS_LISTEN`.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics_open)).with_state(state)
}

/// `/metrics` on the app's own address: only with `Authorization: Bearer <HH_METRICS_TOKEN>`;
/// without a token configured it does not exist there (404).
async fn metrics_with_token(State(state): State<AppState>, headers: http::HeaderMap) -> Response {
    let Some(token) = &state.config.metrics_token else { return StatusCode::NOT_FOUND.into_response() };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let allowed = given.is_some_and(|g| {
        app::accounts::session::constant_time_eq(g.trim().as_bytes(), token.expose_secret().as_bytes())
    });
    if !allowed {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "A metrics token is needed.\n")
            .into_response();
    }
    metrics_open(State(state)).await
}

/// The metrics text, the database's figures read now.
async fn metrics_open(State(state): State<AppState>) -> Response {
    match metrics().render(&state.db).await {
        Ok(text) => ([(header::CONTENT_TYPE, app::backend::metrics::CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "The database did not answer.\n").into_response()
        }
    }
}

/// Liveness: the process serves requests (nothing else is checked, so a database outage does
/// not get the process restarted).
async fn live() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "live" }))
}

/// Readiness: 200 when the database answers and has every migration this build carries, else
/// 503 with the reason. The object store's state is reported beside it and never fails
/// readiness (pages and logins work while it is down; jobs wait for it).
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let storage = storage_state(&state).await;
    let (status, database) = match state.db.pending_migrations().await {
        Ok(0) => (StatusCode::OK, "ok".to_owned()),
        Ok(n) => (StatusCode::SERVICE_UNAVAILABLE, format!("{n} migrations not applied (run hidden-hill migrate)")),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "unreachable".to_owned())
        }
    };
    let verdict = if status == StatusCode::OK { "ready" } else { "not-ready" };
    (status, Json(serde_json::json!({ "status": verdict, "database": database, "storage": storage })))
}

/// The browser bundle under `/pkg`: the brotli or gzip file `scripts/build-site` wrote beside
/// each one when the browser accepts it (no compression work per request), and, when the names
/// carry content hashes, kept by browsers and caches for a year (a new build has new names).
/// Unhashed names (`cargo leptos watch`) are revalidated on every load instead.
fn bundle_files(options: &LeptosOptions) -> axum::routing::MethodRouter {
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache =
        HeaderValue::from_static(if options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" });
    let files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, move |response: &http::Response<_>| {
            response.status().is_success().then(|| cache.clone())
        }))
        .service(ServeDir::new(dir).precompressed_br().precompressed_gzip());
    axum::routing::get_service(files)
}

/// A bug that panics in a handler answers 500 and is logged, instead of dropping the
/// connection without a word.
fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(panic = what, "a request handler panicked");
    AppError::Internal.into_response()
}

/// Refuses a request that would change something when another site's page sent it
/// (`security::is_cross_site`), before any handler or server function runs.
async fn refuse_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_cross_site(request.method(), request.headers(), &state.config.public_url) {
        tracing::warn!(
            method = %request.method(),
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "refused a cross-site request"
        );
        return AppError::CrossSite.into_response();
    }
    next.run(request).await
}

/// Pages, JSON and live streams are about one person and change all the time: no cache,
/// shared or the browser's own, keeps them. Static files and videos keep their own headers.
async fn not_for_caches(mut response: Response) -> Response {
    let personal = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| {
        t.starts_with("text/html") || t.starts_with("application/json") || t.starts_with("text/event-stream")
    });
    if personal && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Headers for every response. Pages set their own CSP (with a nonce); everything else gets
/// one that lets nothing run.
fn with_security_headers(router: Router, hsts: bool) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ));
    if hsts {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    }
}

/// Liveness and readiness in one: 200 when the database answers, 503 otherwise. The object
/// store is reported but does not fail the check: pages, logins and job lists still work while
/// it is down, and jobs wait for it. `storage` is `ok`, `unreachable`, `full` (less than
/// `HH_MIN_FREE_DISK_MB` free, or a write failed for lack of space) or `read-only`, for the
/// store's folder and the scratch folder under the data folder alike.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let storage = storage_state(&state).await;
    match state.db.ping().await {
        Ok(()) => {
            let status = if storage == "ok" { "ok" } else { "degraded" };
            (StatusCode::OK, Json(serde_json::json!({ "status": status, "database": "ok", "storage": storage })))
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "degraded", "database": "unreachable", "storage": storage })),
            )
        }
    }
}

/// The object store's and the scratch disk's state for the health checks: `ok`,
/// `unreachable`, `full` or `read-only`, found within 2 s.
async fn storage_state(state: &AppState) -> &'static str {
    // Bounded: a store that swallows packets would otherwise hold the check past its own
    // timeout (the SDK retries a connect for ~10 s) and fail it, which a store outage must not.
    let checks = async {
        let min_free = state.config.min_free_disk;
        state.media.ping().await?;
        state.media.check_writable(min_free).await?;
        app::storage::check_local_disk(&state.config.data_dir.join("scratch"), min_free).await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), checks).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e @ (StoreError::Full(_) | StoreError::ReadOnly(_)))) => {
            tracing::error!(error = %e, "health check: the disk takes no more writes");
            if matches!(e, StoreError::Full(_)) {
                "full"
            } else {
                "read-only"
            }
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: object store unreachable");
            "unreachable"
        }
        Err(_) => {
            tracing::warn!("health check: object store did not answer within 2 s");
            "unreachable"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    use tower::ServiceExt;

    /// A fallback render that never finishes is rendered again and answers; one that finishes is
    /// rendered once.
    #[tokio::test]
    async fn a_stalled_fallback_render_is_redone() {
        let renders = Arc::new(AtomicUsize::new(0));
        let page = {
            let renders = renders.clone();
            move || async move {
                if renders.fetch_add(1, Ordering::SeqCst) == 0 {
                    std::future::pending::<()>().await;
                }
                (StatusCode::NOT_FOUND, "could not find that page")
            }
        };
        let app = Router::new().fallback_service(redone_when_stalled(page, (), std::time::Duration::from_millis(50)));
        let ask = || Request::get("/no/such/page").body(Body::empty()).unwrap();
        let answer = tokio::time::timeout(std::time::Duration::from_secs(10), app.clone().oneshot(ask()));
        let response = answer.await.expect("answered after one redo, not left stalled").unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&body[..], b"could not find that page");
        assert_eq!(renders.load(Ordering::SeqCst), 2, "the stalled render and its redo");
        app.oneshot(ask()).await.unwrap();
        assert_eq!(renders.load(Ordering::SeqCst), 3, "a render that finishes is not redone");
    }
}
