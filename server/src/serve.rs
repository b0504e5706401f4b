//! Serving HTTP: hyper directly, since `axum::serve` cannot set hyper's timeouts. What a slow or
//! idle client can hold, and for how long:
//! - a request head must arrive within `HH_HEADER_TIMEOUT_SECS`, and a kept-alive connection
//!   waiting for its next request is closed after the same time (hyper's header-read timer
//!   also runs while it waits for the next head);
//! - a request body is watched by [`body_deadline`]: whole within `HH_BODY_TIMEOUT_SECS`, or for
//!   an upload, never paused that long; otherwise 408 and the connection is closed;
//! - at most `HH_MAX_CONNECTIONS` connections are served at once; the next ones wait in the
//!   kernel's listen queue (not accepted, not refused) until one closes, so a burst is delayed
//!   rather than dropped;
//! - one client address holds at most `HH_CONNECTIONS_PER_CLIENT` of them (when no proxy header
//!   is trusted; behind a proxy every connection is the proxy's, and the proxy limits clients);
//! - an answer whose writes wait longer than `HH_WRITE_TIMEOUT_SECS` for the client to read
//!   closes its connection (slow readers);
//! - HTTP/1.1 only: TLS and HTTP/2 are the reverse proxy's job, and plain-text HTTP/2 would
//!   start with a protocol sniff that no timer covers.
//!
//! Shutdown: `shutdown` completing stops accepting, then every connection finishes its
//! request in flight and closes (hyper's graceful shutdown); the caller has told the live
//! streams to end first.

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use std::{
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::Service;

/// What one process serves at once, and how long it waits for a slow client.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The longest a request head may take, and the longest a kept-alive connection may idle.
    pub header_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Connections one client address (an IPv6 /64) may hold at once; more are closed as soon
    /// as they are accepted. None behind a reverse proxy, where every connection is the proxy's.
    pub per_client: Option<usize>,
    /// The longest a write of the answer may wait for the client to read: a client that stops
    /// reading (a slow-read attack, a phone gone to sleep mid-download) lets go of its slot.
    pub write_timeout: Duration,
}

/// Connections open per client address, with a guard per connection that counts it out.
#[derive(Clone, Default)]
struct ClientConnections(Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>);

struct ClientConnection {
    open: ClientConnections,
    client: std::net::IpAddr,
}

impl ClientConnections {
    /// Counts a connection of `client` in, or None when it already holds `cap`.
    fn open(&self, client: std::net::IpAddr, cap: usize) -> Option<ClientConnection> {
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(client).or_default();
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(ClientConnection { open: self.clone(), client })
    }
}

impl Drop for ClientConnection {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains the connections.
/// Handlers can read the peer's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_client = ClientConnections::default();
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // A slot first, then accept: beyond the cap, connections wait in the listen queue.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let client_slot = match limits.per_client {
            Some(cap) => match per_client.open(app::backend::signin_limits::client_key(peer.ip()), cap) {
                Some(slot) => Some(slot),
                None => {
                    tracing::warn!(%peer, cap, "a client holds its share of connections already; closed a new one");
                    continue;
                }
            },
            None => None,
        };
        // Send each write at once: a response written in parts (a streamed file's body after its
        // head, SSE events) would otherwise wait for the client's delayed ACK, 40 ms a time.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "could not set TCP_NODELAY");
        }
        let Ok(service) = make_service.call(peer).await;
        let watcher = graceful.watcher();
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.write_timeout));
        tokio::spawn(async move {
            let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
            builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
            let io = TokioIo::new(Box::pin(stream));
            let connection = builder.serve_connection(io, TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(connection).await {
                // Timeouts and clients that went away: routine, not worth more than a debug line.
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop((permit, client_slot));
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// As hyper 0.14 and axum do: a peer that gave up is nothing; anything else (such as running
/// out of file descriptors) is logged and waited on, as connections closing will free some.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "could not accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The request-body timeout (`HH_BODY_TIMEOUT_SECS`): an upload (`POST /api/jobs`, which may
/// be large and slow) must never pause longer than it, any other body must arrive whole within
/// it. A body that does not is answered 408 and its connection closed, whatever the handler
/// made of the broken body.
pub async fn body_deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let upload = request.method() == Method::POST && request.uri().path() == "/api/jobs";
    let stalled = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        let (inner, deadline) = if upload {
            // tower-http's timeout restarts with every frame: progress keeps an upload alive.
            (Body::new(tower_http::timeout::TimeoutBody::new(limit, body)), None)
        } else {
            (body, Some(Box::pin(tokio::time::sleep(limit))))
        };
        Body::new(Watched { inner, deadline, stalled: stalled.clone() })
    });
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let response = next.run(request).await;
    if !stalled.load(Ordering::SeqCst) {
        return response;
    }
    tracing::info!(?peer, seconds = limit.as_secs(), upload, "request body stalled; answered 408");
    let message = if upload {
        format!("The upload stopped arriving for {} seconds, so it was ended. Try again.", limit.as_secs())
    } else {
        format!("The request did not arrive within {} seconds, so it was ended. Try again.", limit.as_secs())
    };
    let mut response =
        (StatusCode::REQUEST_TIMEOUT, axum::Json(serde_json::json!({ "error": message, "field": null })))
            .into_response();
    // The rest of the body may still be on its way: this connection cannot carry another request.
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request body that notes when it stalled: at its whole-body `deadline`, or when the
/// per-frame timeout inside `inner` fired.
struct Watched {
    inner: Body,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    stalled: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct Stalled;

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Some(deadline) = &mut this.deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                this.stalled.store(true, Ordering::SeqCst);
                return Poll::Ready(Some(Err(axum::Error::new(Stalled))));
            }
        }
        let frame = Pin::new(&mut this.inner).poll_frame(cx);
        match &frame {
            Poll::Ready(Some(Err(e))) if is_timeout(e) => this.stalled.store(true, Ordering::SeqCst),
            // All here in time: nothing left to watch.
            Poll::Ready(None) => this.deadline = None,
            _ => {}
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether tower-http's body timeout is somewhere in the error's chain.
fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(error) = current {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        current = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    /// Handlers still learn who is asking (per-address limits need it), and the server stops
    /// when told to.
    #[tokio::test]
    async fn handlers_see_the_peer_address_and_the_server_stops_on_shutdown() {
        let app = Router::new()
            .route("/peer", get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = Limits {
            header_timeout: Duration::from_secs(5),
            max_connections: 4,
            per_client: Some(4),
            write_timeout: Duration::from_secs(5),
        };
        let server = tokio::spawn(serve(listener, app, limits, async move {
            let _ = stopped.await;
        }));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let local = stream.local_addr().unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with(&local.to_string()), "{answer}");
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
    }
}
