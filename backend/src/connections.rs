//! Accepting and serving connections, with the limits a public server needs: a client must send a
//! request's headers within the header timeout (which also closes a kept-alive connection left
//! idle that long), a request must be answered within the request timeout (uploads included), and
//! at most `max_connections` connections are served at once; past that a client is told 503 with
//! `Retry-After` and the connection is closed. On shutdown the listener stops accepting and the
//! open connections finish the request in hand.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower_service::Service;

use crate::outcome::{ApiError, Issue};

/// What a connection may cost the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// To send a request's headers, and to stay idle between requests.
    pub header_timeout: Duration,
    /// From the request's headers to the end of the answer, the upload included.
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            max_connections: 1024,
        }
    }
}

/// Connections past the limit that may be waiting for their 503 at once; beyond that they are
/// closed unanswered.
const MAX_TURNED_AWAY: usize = 64;
/// How long a turned-away client has to send its request line and headers.
const TURN_AWAY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long shutdown waits for connections to finish the request in hand.
const CLOSE_LIMIT: Duration = Duration::from_secs(30);
/// Pause after a failed accept (out of file descriptors, say) before accepting again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `shutdown` resolves, then lets open connections finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let served = Arc::new(Semaphore::new(limits.max_connections));
    let turned_away = Arc::new(Semaphore::new(MAX_TURNED_AWAY));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        stream.set_nodelay(true).ok();
        match served.clone().try_acquire_owned() {
            Ok(permit) => {
                let service = RequestService {
                    router: router.clone(),
                    client,
                    request_timeout: limits.request_timeout,
                };
                let connection =
                    graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    // A client that goes away or breaks HTTP ends its own connection; nothing to do.
                    let _ = connection.await;
                    drop(permit);
                });
            }
            Err(_) => {
                if let Ok(permit) = turned_away.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        turn_away(stream).await;
                        drop(permit);
                    });
                }
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(CLOSE_LIMIT, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("warning: connections still open after {CLOSE_LIMIT:?}; closing them");
    }
}

/// Answers one request on a connection past the limit with 503, then closes it.
async fn turn_away(stream: TcpStream) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(TURN_AWAY_TIMEOUT)
        .keep_alive(false);
    let busy = hyper::service::service_fn(|_request: Request<Incoming>| async {
        let mut response = ApiError::one(
            StatusCode::SERVICE_UNAVAILABLE,
            Issue::new(
                "transient",
                "the server is serving as many connections as it can; retry in a moment",
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        Ok::<_, Infallible>(response)
    });
    let _ = builder.serve_connection(TokioIo::new(stream), busy).await;
}

/// The router for one connection: the client's address for the handlers (the share endpoints'
/// rate limit counts by it), and the request timeout around each request.
#[derive(Clone)]
struct RequestService {
    router: Router,
    client: SocketAddr,
    request_timeout: Duration,
}

impl hyper::service::Service<Request<Incoming>> for RequestService {
    type Response = Response<axum::body::Body>;
    type Error = Infallible;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>,
    >;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.client));
        let mut router = self.router.clone();
        let limit = self.request_timeout;
        Box::pin(async move {
            match tokio::time::timeout(limit, router.call(request)).await {
                Ok(answered) => answered,
                Err(_) => Ok(ApiError::one(
                    StatusCode::REQUEST_TIMEOUT,
                    Issue::new(
                        "timeout",
                        format!(
                            "the request was not complete within {} s; send it again on a faster connection",
                            limit.as_secs()
                        ),
                    ),
                )
                .into_response()),
            }
        })
    }
}
