//! One sync: pull the change feed until caught up (each page applied with its cursor in one
//! transaction), push the outbox, then pull again so the book ends with what the backend now has.
//! A failure at any point leaves the book as the last committed page or push left it.

use chrono::Utc;
use reqwest::Method;
use serde_json::Value;

use std::sync::Arc;

use super::client::{Cancel, Chained, Http, Limits};
use super::wire::{self, percent_encode, FeedPage};
use crate::error::{Error, Result};
use crate::model::time::vietnam_offset;
use crate::store::Store;

/// Entries per push request.
const PUSH_BATCH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pulling,
    Pushing,
    Done,
}

/// Running totals, reported after every page and push.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub pages: u32,
    pub records_received: u32,
    pub records_deleted: u32,
    pub people_changed: u32,
    pub records_sent: u32,
    pub conflicts: u32,
    /// Changes of the feed the book refused to apply: they would have written over or moved
    /// another person's records (each is logged with why).
    pub records_refused: u32,
}

/// What a sync needs from the app: a fresh bearer token, progress, cancellation.
pub trait Session: Cancel {
    fn token(&self) -> Result<String>;
    fn progress(&self, phase: Phase, totals: &Totals);
}

pub struct Target<'a> {
    /// The backend's base URL, without the trailing `/fhir`.
    pub server: &'a str,
    pub page_size: u32,
    pub limits: Limits,
}

pub fn sync(store: &Store, http: &Http, target: &Target, session: &dyn Session) -> Result<Totals> {
    let mut totals = Totals::default();
    pull(store, http, target, session, &mut totals)?;
    push(store, http, target, session, &mut totals)?;
    if totals.records_sent > 0 {
        pull(store, http, target, session, &mut totals)?;
    }
    session.progress(Phase::Done, &totals);
    Ok(totals)
}

/// Pulls until caught up. Pages are chained: each answer names the next page in a header, so the
/// next page is asked for while this one is read and applied, and the server and the phone work
/// at the same time. Only an applied page moves the stored cursor.
fn pull(
    store: &Store,
    http: &Http,
    target: &Target,
    session: &dyn Session,
    totals: &mut Totals,
) -> Result<()> {
    let mut cursor = store.sync_cursor(target.server)?;
    let url_of: Arc<dyn Fn(&str) -> String + Send + Sync> = {
        let (server, page_size) = (target.server.to_string(), target.page_size);
        Arc::new(move |cursor: &str| feed_url(&server, page_size, Some(cursor)))
    };
    let fetch = |url: String| -> Result<_> {
        Ok(http.get_chained(
            url,
            &session.token()?,
            &target.limits,
            url_of.clone(),
            read_page,
        ))
    };
    let mut pending = fetch(feed_url(target.server, target.page_size, cursor.as_deref()))?;
    loop {
        check(session)?;
        let mut chained: Chained<FeedPage> = http.wait(pending, session)?;
        let next = chained.follow();
        let page = chained.value;
        let stuck = page.changes.is_empty() && cursor.as_deref() == Some(&page.next_cursor);
        let next = if page.caught_up || stuck {
            None
        } else {
            match next {
                Some((next_cursor, next)) if next_cursor == page.next_cursor => Some(next),
                _ => Some(fetch(feed_url(
                    target.server,
                    target.page_size,
                    Some(&page.next_cursor),
                ))?),
            }
        };
        check(session)?;
        let tally = store.apply_page(target.server, &page)?;
        totals.pages += 1;
        totals.records_received += tally.records_written;
        totals.records_deleted += tally.records_deleted;
        totals.people_changed += tally.people_changed;
        totals.conflicts += tally.conflicts;
        if !tally.refused.is_empty() {
            // The reasons name records and people: the log says only how many (see docs/integrating.md).
            log::warn!(
                "{} changes from the server were not applied: they would have mixed up people",
                tally.refused.len()
            );
        }
        totals.records_refused += tally.refused.len() as u32;
        session.progress(Phase::Pulling, totals);
        match next {
            Some(next) => {
                pending = next;
                cursor = Some(page.next_cursor);
            }
            None => return Ok(()),
        }
    }
}

/// Reads a page where it arrives (on the network thread), while the previous page is applied.
fn read_page(body: Value) -> Result<FeedPage> {
    wire::take_feed_page(body).map_err(|e| protocol("a change-feed page", e))
}

fn feed_url(server: &str, page_size: u32, cursor: Option<&str>) -> String {
    let mut url = format!("{server}/fhir/$changes?_count={page_size}");
    if let Some(cursor) = cursor {
        url.push_str("&cursor=");
        url.push_str(&percent_encode(cursor));
    }
    url
}

fn push(
    store: &Store,
    http: &Http,
    target: &Target,
    session: &dyn Session,
    totals: &mut Totals,
) -> Result<()> {
    let url = format!("{}/fhir", target.server);
    let mut sent = std::collections::HashSet::new();
    loop {
        check(session)?;
        // Entries edited again during this sync wait for the next one, so the loop ends.
        let entries: Vec<_> = store
            .outbox(PUSH_BATCH + sent.len())?
            .into_iter()
            .filter(|e| !sent.contains(&(e.item.record_id.clone(), e.generation)))
            .take(PUSH_BATCH)
            .collect();
        if entries.is_empty() {
            return Ok(());
        }
        session.progress(Phase::Pushing, totals);
        let items: Vec<_> = entries.iter().map(|e| e.item.clone()).collect();
        let now = Utc::now().with_timezone(&vietnam_offset());
        let bundle = wire::push_bundle(&items, now);
        store.mark_sent(&entries)?;
        let answer = http.fhir(
            Method::POST,
            &url,
            &session.token()?,
            Some(&bundle),
            &target.limits,
            session,
        )?;
        let outcomes = wire::read_push_response(&answer, entries.len())
            .map_err(|e| protocol("the answer to a push", e))?;
        let tally = store.settle_push(&entries, &outcomes)?;
        totals.records_sent += tally.accepted;
        totals.conflicts += tally.conflicts;
        sent.extend(
            entries
                .iter()
                .map(|e| (e.item.record_id.clone(), e.generation)),
        );
        session.progress(Phase::Pushing, totals);
    }
}

fn check(session: &dyn Session) -> Result<()> {
    if session.cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// A well-formed answer the book cannot use: the server's fault, so a `Server` error.
fn protocol(what: &str, error: Error) -> Error {
    Error::Server {
        status: 200,
        reason: format!("sent {what} the book cannot read ({error}); nothing of it was applied"),
    }
}
