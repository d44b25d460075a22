//! HTTP to the backend: one `reqwest` client (rustls on ring, Mozilla roots) on a small tokio
//! runtime the book owns. Every request has a timeout and a bounded response, is retried with
//! exponential backoff and jitter when the failure is passing (connection lost, timeout, 429, 5xx),
//! honours `Retry-After`, and can be cancelled while it waits. Knows nothing of the book.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;

use crate::error::{Error, Result};

const FHIR_JSON: &str = "application/fhir+json";

/// How requests behave; from the app's `SyncConfig`.
#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    pub max_attempts: u32,
    pub max_response_bytes: u64,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

/// Asked between steps and while waiting: has the app cancelled the sync?
pub trait Cancel {
    fn cancelled(&self) -> bool;
}

pub struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    pub fn new() -> Result<Http> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("healthbook-sync")
            .enable_all()
            .build()
            .map_err(|e| Error::Network(format!("could not start the network runtime: {e}")))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .user_agent(concat!("healthbook/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // Shorter than the server's idle limit (30 s by default), so the phone drops a kept-alive
            // connection before the server closes it under a request on its way.
            .pool_idle_timeout(Duration::from_secs(20))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| Error::Network(format!("could not set up HTTP: {e}")))?;
        Ok(Http { runtime, client })
    }

    /// A FHIR JSON request with retries; `Ok` only for a 2xx FHIR JSON answer within the limits.
    pub fn fhir(
        &self,
        method: Method,
        url: &str,
        token: &str,
        body: Option<&Value>,
        limits: &Limits,
        cancel: &dyn Cancel,
    ) -> Result<Value> {
        let pending = self.send(method, url, token, body, limits, Ok);
        self.wait(pending, cancel)
    }

    /// Starts a request (with its retries) in the background, and `then` on its answer: the caller
    /// can go on working, for example applying one page while the next one comes in and is read,
    /// and collects the result with `wait`.
    pub fn send<T: Send + 'static>(
        &self,
        method: Method,
        url: &str,
        token: &str,
        body: Option<&Value>,
        limits: &Limits,
        then: fn(Value) -> Result<T>,
    ) -> Pending<T> {
        let exchange = Exchange {
            client: self.client.clone(),
            method,
            url: url.to_string(),
            token: token.to_string(),
            body: body.map(|b| Body {
                content_type: FHIR_JSON,
                bytes: b.to_string().into_bytes(),
            }),
            accept: FHIR_JSON,
            limits: limits.clone(),
            on_headers: None,
            raw: false,
        };
        Pending(
            self.runtime
                .spawn(async move { then(exchange.run().await?) }),
        )
    }

    /// A request whose answer the caller reads whatever its status (e.g. a 404 that means "expired"),
    /// with the same timeouts, size bound, retries of passing failures, and cancellation.
    pub fn raw(&self, request: RawRequest, limits: &Limits, cancel: &dyn Cancel) -> Result<Answer> {
        // Checked before the request is started, not only while waiting: once spawned, a fast
        // request may be sent before the first check.
        if cancel.cancelled() {
            return Err(Error::Cancelled);
        }
        let exchange = Exchange {
            client: self.client.clone(),
            method: request.method,
            url: request.url.to_string(),
            token: request.token.unwrap_or_default().to_string(),
            body: request.body,
            accept: request.accept,
            limits: limits.clone(),
            on_headers: None,
            raw: true,
        };
        let pending = Pending(self.runtime.spawn(async move {
            match exchange.reply().await? {
                Reply::Raw(answer) => Ok(answer),
                Reply::Json(_) => Err(Error::Storage("unexpected JSON reply".into())),
            }
        }));
        self.wait(pending, cancel)
    }

    /// GETs a page of a feed whose answers name the next page in a `Link: <…>; rel="next"` header
    /// (RFC 8288). As soon as those headers arrive, the next page is asked for too, so the server
    /// builds page n+1 while page n is being read here (and n-1 applied by the caller); never more
    /// than that, so a big book is not held in memory. `url_of(cursor)` makes a page's URL from
    /// the `cursor` parameter of the link (the server's own base URL is not trusted for it).
    pub fn get_chained<T: Send + 'static>(
        &self,
        url: String,
        token: &str,
        limits: &Limits,
        url_of: Arc<dyn Fn(&str) -> String + Send + Sync>,
        read: fn(Value) -> Result<T>,
    ) -> Pending<Chained<T>> {
        let (pending, slot) = Chain {
            handle: self.runtime.handle().clone(),
            client: self.client.clone(),
            token: token.to_string(),
            limits: limits.clone(),
            url_of,
            read,
        }
        .start(url);
        // The first page may start the second at once.
        if let Ok(mut state) = slot.lock() {
            state.release();
        }
        pending
    }

    /// The answer to a request started with `send`; if the app cancels first, the request is dropped.
    pub fn wait<T>(&self, mut pending: Pending<T>, cancel: &dyn Cancel) -> Result<T> {
        self.runtime
            .block_on(async { cancellable(&mut pending.0, cancel).await })
            .and_then(|joined| {
                joined.unwrap_or_else(|failed| {
                    Err(Error::Network(format!(
                        "the request stopped unexpectedly: {failed}"
                    )))
                })
            })
    }
}

/// A page of a chained feed, and the next page if it was already asked for: (its cursor, the
/// request). Take `next` with `Chained::follow` so that the page after it may start in turn.
pub struct Chained<T> {
    pub value: T,
    next: Option<(String, Pending<Chained<T>>, Slot<T>)>,
}

impl<T: Send + 'static> Chained<T> {
    /// The next page, already under way, and its cursor. Lets that request ask for the page after
    /// it as soon as its headers come: at most two pages are ever ahead of the one being applied.
    pub fn follow(&mut self) -> Option<(String, Pending<Chained<T>>)> {
        let (cursor, pending, slot) = self.next.take()?;
        if let Ok(mut state) = slot.lock() {
            state.release();
        }
        Some((cursor, pending))
    }
}

/// What a chained request knows of the page after it.
struct NextState<T> {
    /// The previous page has been taken by the caller: this request may start the next one.
    released: bool,
    /// The next page's cursor, from this answer's `Link` header.
    cursor: Option<String>,
    started: Option<(String, Pending<Chained<T>>, Slot<T>)>,
    chain: Option<Chain<T>>,
}

impl<T: Send + 'static> NextState<T> {
    fn release(&mut self) {
        self.released = true;
        self.start_if_ready();
    }

    fn start_if_ready(&mut self) {
        if !self.released || self.started.is_some() {
            return;
        }
        let Some(cursor) = self.cursor.clone() else {
            return;
        };
        if let Some(chain) = self.chain.take() {
            let url = (chain.url_of)(&cursor);
            let (pending, slot) = chain.start(url);
            self.started = Some((cursor, pending, slot));
        }
    }
}

type Slot<T> = Arc<std::sync::Mutex<NextState<T>>>;

struct Chain<T> {
    handle: tokio::runtime::Handle,
    client: reqwest::Client,
    token: String,
    limits: Limits,
    url_of: Arc<dyn Fn(&str) -> String + Send + Sync>,
    read: fn(Value) -> Result<T>,
}

impl<T> Clone for Chain<T> {
    fn clone(&self) -> Self {
        Chain {
            handle: self.handle.clone(),
            client: self.client.clone(),
            token: self.token.clone(),
            limits: self.limits.clone(),
            url_of: self.url_of.clone(),
            read: self.read,
        }
    }
}

impl<T: Send + 'static> Chain<T> {
    /// Starts the request for `url`; its slot says when it may start the page after it.
    fn start(self, url: String) -> (Pending<Chained<T>>, Slot<T>) {
        let slot: Slot<T> = Arc::new(std::sync::Mutex::new(NextState {
            released: false,
            cursor: None,
            started: None,
            chain: Some(self.clone()),
        }));
        let on_headers = {
            let slot = slot.clone();
            Arc::new(move |headers: &HeaderMap| {
                let Some(cursor) = next_cursor_in_link(headers) else {
                    return;
                };
                if let Ok(mut state) = slot.lock() {
                    // A retried request reports its headers again: the first one counts.
                    if state.cursor.is_none() {
                        state.cursor = Some(cursor);
                        state.start_if_ready();
                    }
                }
            })
        };
        let task_slot = slot.clone();
        let handle = self.handle.clone();
        let pending = Pending(handle.spawn(async move {
            let exchange = Exchange {
                client: self.client.clone(),
                method: Method::GET,
                url,
                token: self.token.clone(),
                body: None,
                accept: FHIR_JSON,
                limits: self.limits.clone(),
                on_headers: Some(on_headers),
                raw: false,
            };
            let value = (self.read)(exchange.run().await?)?;
            let next = task_slot
                .lock()
                .ok()
                .and_then(|mut state| state.started.take());
            Ok(Chained { value, next })
        }));
        (pending, slot)
    }
}

/// The `cursor` parameter of the `rel="next"` target of a `Link` header.
fn next_cursor_in_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| {
            let target = part.split_once('<')?.1.split_once('>')?.0;
            let (_, query) = target.split_once('?')?;
            query.split('&').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                (key == "cursor").then(|| super::wire::percent_decode(value))
            })
        })
}

/// A request under way; see `Http::send`. Dropped before it is collected, it is called off.
pub struct Pending<T>(tokio::task::JoinHandle<Result<T>>);

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Called with the headers of a successful answer, before its body is read.
type HeadersHook = Arc<dyn Fn(&HeaderMap) + Send + Sync>;

/// Everything one request needs, owned, so it can run on the runtime's worker.
struct Exchange {
    client: reqwest::Client,
    method: Method,
    url: String,
    /// Sent as `Authorization: Bearer`; empty sends none.
    token: String,
    body: Option<Body>,
    accept: &'static str,
    limits: Limits,
    on_headers: Option<HeadersHook>,
    /// Any final status comes back as an `Answer` for the caller to read; otherwise only a 2xx
    /// FHIR JSON answer is a success.
    raw: bool,
}

/// A request body and its media type.
#[derive(Clone)]
pub struct Body {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A final answer as received: what `Http::raw` returns whatever its status (passing failures,
/// 429 and 5xx, are retried first).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A request for `Http::raw`.
pub struct RawRequest<'a> {
    pub method: Method,
    pub url: &'a str,
    /// Bearer token; `None` sends no `Authorization` header.
    pub token: Option<&'a str>,
    pub body: Option<Body>,
    pub accept: &'static str,
}

enum Reply {
    Json(Value),
    Raw(Answer),
}

impl Exchange {
    /// A 2xx FHIR JSON answer, after retries.
    async fn run(self) -> Result<Value> {
        match self.reply().await? {
            Reply::Json(value) => Ok(value),
            Reply::Raw(_) => Err(Error::Storage("unexpected raw reply".into())),
        }
    }

    async fn reply(&self) -> Result<Reply> {
        let limits = &self.limits;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.attempt().await {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            let wait = match failure {
                Failure::Final(error) => return Err(error),
                Failure::Passing { error, .. } if attempt >= limits.max_attempts => {
                    return Err(error)
                }
                Failure::Passing {
                    error,
                    retry_after: Some(after),
                } if after > limits.backoff_max => {
                    let status = match error {
                        Error::Server { status, .. } => status,
                        _ => 503,
                    };
                    return Err(Error::Server {
                        status,
                        reason: format!(
                            "the server is busy and asks to come back in {} s; try again later",
                            after.as_secs()
                        ),
                    });
                }
                Failure::Passing {
                    retry_after: Some(after),
                    ..
                } => after,
                Failure::Passing {
                    retry_after: None, ..
                } => backoff(limits, attempt),
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self) -> std::result::Result<Reply, Failure> {
        let mut request = self
            .client
            .request(self.method.clone(), &self.url)
            .timeout(self.limits.timeout)
            .header(ACCEPT, self.accept);
        if !self.token.is_empty() {
            request = request.header(AUTHORIZATION, format!("Bearer {}", self.token));
        }
        if let Some(body) = &self.body {
            request = request
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        }
        let response = request.send().await.map_err(|e| {
            let error = Error::Network(describe(&e));
            // A refused redirect would be refused again.
            if e.is_redirect() {
                Failure::Final(error)
            } else {
                Failure::passing(error, None)
            }
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        if status.is_success() {
            if let Some(on_headers) = &self.on_headers {
                on_headers(&headers);
                // Let a request that `on_headers` started go out before this body is read.
                tokio::task::yield_now().await;
            }
        }
        let bytes = read_bounded(response, self.limits.max_response_bytes).await?;
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if self.raw {
            return match status_failure(status, &headers, &bytes) {
                failure @ Failure::Passing { .. } if !status.is_success() => Err(failure),
                _ => Ok(Reply::Raw(Answer {
                    status: status.as_u16(),
                    content_type,
                    body: bytes,
                })),
            };
        }
        if !status.is_success() {
            return Err(status_failure(status, &headers, &bytes));
        }
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case(FHIR_JSON) && !media.eq_ignore_ascii_case("application/json")
        {
            return Err(Failure::Final(Error::Server {
                status: status.as_u16(),
                reason: format!(
                    "answered with '{content_type}' instead of FHIR JSON; nothing was applied (is the server URL right?)"
                ),
            }));
        }
        serde_json::from_slice(&bytes)
            .map(Reply::Json)
            .map_err(|e| {
                Failure::Final(Error::Server {
                    status: status.as_u16(),
                    reason: format!(
                        "sent a response that is not valid JSON ({e}); nothing was applied"
                    ),
                })
            })
    }
}

enum Failure {
    /// Worth another attempt (connection lost, timeout, 429, 5xx).
    Passing {
        error: Error,
        retry_after: Option<Duration>,
    },
    Final(Error),
}

impl Failure {
    fn passing(error: Error, retry_after: Option<Duration>) -> Failure {
        Failure::Passing { error, retry_after }
    }
}

fn status_failure(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Failure {
    let diagnostics = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|outcome| {
            outcome
                .get("issue")?
                .as_array()?
                .iter()
                .filter_map(|i| i.get("diagnostics").and_then(Value::as_str))
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("unexpected status")
                .to_string()
        });
    let code = status.as_u16();
    match code {
        401 => Failure::Final(Error::AuthExpired(diagnostics)),
        429 | 500 | 502 | 503 | 504 => Failure::passing(
            Error::Server {
                status: code,
                reason: diagnostics,
            },
            retry_after(headers),
        ),
        _ => Failure::Final(Error::Server {
            status: code,
            reason: diagnostics,
        }),
    }
}

/// `Retry-After` in seconds (the HTTP-date form is read as "soon": one backoff step).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Exponential backoff with full jitter: a random wait between half and all of base·2^(attempt-1).
fn backoff(limits: &Limits, attempt: u32) -> Duration {
    let ceiling = limits
        .backoff_base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(limits.backoff_max);
    let mut byte = [0u8; 1];
    let random = SystemRandom::new()
        .fill(&mut byte)
        .map(|_| byte[0])
        .unwrap_or(255);
    ceiling / 2 + ceiling.mul_f64(f64::from(random) / 255.0 / 2.0)
}

async fn read_bounded(
    mut response: reqwest::Response,
    limit: u64,
) -> std::result::Result<Vec<u8>, Failure> {
    let too_large = || {
        Failure::Final(Error::Server {
            status: 200,
            reason: format!("sent a response larger than {limit} bytes; nothing was applied"),
        })
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() as u64 + chunk.len() as u64 > limit {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) => {
                return Err(Failure::passing(
                    Error::Network(format!(
                        "the connection broke while receiving ({}); nothing of it was applied",
                        describe(&e)
                    )),
                    None,
                ))
            }
        }
    }
}

/// Runs `future` unless the app cancels first (asked every 50 ms).
async fn cancellable<F: Future>(future: F, cancel: &dyn Cancel) -> Result<F::Output> {
    // A call cancelled before this request sends nothing (the first tick would come too late for
    // a fast request).
    if cancel.cancelled() {
        return Err(Error::Cancelled);
    }
    tokio::pin!(future);
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            output = &mut future => return Ok(output),
            _ = tick.tick() => {
                if cancel.cancelled() {
                    return Err(Error::Cancelled);
                }
            }
        }
    }
}

/// What went wrong, without the URL (which can carry a cursor) or any body.
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_redirect() {
        "the server redirected the request"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response broke off"
    } else if error.is_request() {
        "the request failed"
    } else {
        "network failure"
    };
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {detail}")
    }
}

/// The most redirects one request follows.
const MAX_REDIRECTS: usize = 5;

/// Redirects stay on the origin (scheme, host and port) of the URL first asked for: a backend or
/// share host cannot send the request, its token or a doctor's name, to another server, nor from
/// `https` down to `http`.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let refusal = attempt
            .previous()
            .first()
            .map(|first| redirect_refusal(first, attempt.url(), attempt.previous().len()))
            .unwrap_or(Some("it had no origin"));
        match refusal {
            None => attempt.follow(),
            Some(reason) => attempt.error(RedirectRefused(reason)),
        }
    })
}

/// Why a redirect from `first` (the URL asked for) to `next`, after `followed` requests, is not
/// followed; `None` when it may be.
fn redirect_refusal(first: &Url, next: &Url, followed: usize) -> Option<&'static str> {
    if next.scheme() != first.scheme() {
        return Some(if next.scheme() == "http" {
            "it went from https to plain http; a redirect may not leave the server's origin"
        } else {
            "it changed the scheme; a redirect may not leave the server's origin"
        });
    }
    if next.origin() != first.origin() {
        return Some(
            "it pointed at another host or port; a redirect may not leave the server's origin",
        );
    }
    if followed > MAX_REDIRECTS {
        return Some("there were too many of them");
    }
    None
}

#[derive(Debug)]
struct RedirectRefused(&'static str);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not followed, as {} (check the server URL)", self.0)
    }
}

impl std::error::Error for RedirectRefused {}

/// Whether `url` may use plain `http`: only to this device (127.0.0.0/8, `::1`, `localhost`), and,
/// in a debug build, to the Android emulator's host (10.0.2.2, the computer running the emulator).
/// Everything else must be `https`: a LAN or Wi-Fi address can be anyone's.
pub fn plain_http_allowed(url: &Url) -> bool {
    plain_http_host(url, cfg!(debug_assertions))
}

/// `plain_http_allowed`, with the emulator's host allowed or not.
pub fn plain_http_host(url: &Url, emulator_host: bool) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // The URL parser writes IP addresses in their canonical form (IPv6 in brackets), so a host that
    // parses as an address is one; anything else is a name.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || (emulator_host && ip == EMULATOR_HOST),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The address the Android emulator gives the computer it runs on.
const EMULATOR_HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);

/// Parses a URL the core is about to ask (a backend, a share's manifest or file) and checks it:
/// http(s), a host, no user name or password (which hides the real host:
/// `http://localhost:x@evil.example` goes to evil.example), and plain `http` only to this device
/// (see `plain_http_allowed`). The error says what is wrong, to go after the field's name.
pub fn checked_url(text: &str) -> std::result::Result<Url, &'static str> {
    checked_url_with(text, cfg!(debug_assertions))
}

/// `checked_url`, with the emulator's host allowed or not.
pub fn checked_url_with(text: &str, emulator_host: bool) -> std::result::Result<Url, &'static str> {
    let text = text.trim();
    let url = Url::parse(text).map_err(|_| "is not a URL like https://api.example.vn")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an https URL");
    }
    // `https://@host` parses with an empty user name and is written without the '@': look at the
    // text as given.
    let authority = text
        .split_once("//")
        .map(|(_, rest)| rest.split(['/', '?', '#', '\\']).next().unwrap_or(""))
        .unwrap_or("");
    if !url.username().is_empty() || url.password().is_some() || authority.contains('@') {
        return Err("must not contain a user name or password (the part before '@')");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    if url.scheme() == "http" && !plain_http_host(&url, emulator_host) {
        return Err(
            "must use https (plain http is allowed only to this device: 127.0.0.1, ::1 or localhost)",
        );
    }
    Ok(url)
}

fn tls_config() -> Result<rustls::ClientConfig> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Network(format!("TLS setup failed: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("a URL")
    }

    #[test]
    fn redirects_stay_on_the_origin_and_on_https() {
        let first = url("https://api.example.vn/fhir/$changes");
        for (next, allowed) in [
            ("https://api.example.vn/fhir/$changes?cursor=2", true),
            ("https://api.example.vn:443/other", true),
            ("http://api.example.vn/fhir/$changes", false),
            ("https://api.example.vn:8443/fhir", false),
            ("https://evil.example/fhir", false),
            ("https://sub.api.example.vn/fhir", false),
        ] {
            assert_eq!(
                redirect_refusal(&first, &url(next), 1).is_none(),
                allowed,
                "{next}"
            );
        }
        let downgrade = redirect_refusal(&first, &url("http://api.example.vn/"), 1);
        assert!(downgrade.is_some_and(|r| r.contains("plain http")));
        let local = url("http://127.0.0.1:8080/shl/x");
        assert!(redirect_refusal(&local, &url("http://127.0.0.1:8080/shl/y"), 1).is_none());
        assert!(redirect_refusal(&local, &url("http://localhost:8080/shl/y"), 1).is_some());
        assert!(redirect_refusal(&local, &url("http://127.0.0.1:8080/a"), 6).is_some());
    }

    #[test]
    fn plain_http_only_to_this_device_and_the_emulator_in_debug() {
        for (text, debug, release) in [
            ("http://127.0.0.1:8080", true, true),
            ("http://127.8.9.10", true, true),
            ("http://localhost", true, true),
            ("http://LocalHost:1", true, true),
            ("http://[::1]:8080", true, true),
            ("http://[::ffff:127.0.0.1]", true, true),
            ("http://2130706433", true, true),
            ("http://10.0.2.2:8080", true, false),
            ("http://10.0.2.3", false, false),
            ("http://0.0.0.0:8080", false, false),
            ("http://192.168.1.10", false, false),
            ("http://localhost.evil.example", false, false),
            ("http://127.0.0.1.nip.io", false, false),
            ("https://api.example.vn", true, true),
            ("https://10.0.2.2", true, true),
        ] {
            assert_eq!(
                checked_url_with(text, true).is_ok(),
                debug,
                "{text} (debug)"
            );
            assert_eq!(
                checked_url_with(text, false).is_ok(),
                release,
                "{text} (release)"
            );
        }
    }

    #[test]
    fn user_info_and_odd_schemes_are_refused() {
        for text in [
            "http://localhost:x@evil.example",
            "http://127.0.0.1@evil.example",
            "https://user:pw@api.example.vn",
            "https://@api.example.vn",
            "https://:@api.example.vn",
        ] {
            let refused = checked_url_with(text, true).expect_err(text);
            assert!(refused.contains("user name"), "{text}: {refused}");
        }
        for text in [
            "ftp://127.0.0.1/x",
            "file:///etc/passwd",
            "api.example.vn",
            "",
            "https://",
        ] {
            assert!(checked_url_with(text, true).is_err(), "{text}");
        }
        // A backslash ends the host as a slash does: this one goes to localhost, and is fine.
        assert!(checked_url_with("http://localhost\\@evil.example", false).is_ok());
    }
}
