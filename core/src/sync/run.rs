//! One sync: pull the change feed until caught up (each page applied with its cursor in one
//! transaction), push the outbox, then pull again so the book ends with what the backend now has.
//! A failure at any point leaves the book as the last committed page or push left it.

use chrono::Utc;
use reqwest::Method;

use super::client::{Cancel, Http, Limits};
use super::wire::{self, percent_encode};
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
}

/// What a sync needs from the app: a fresh bearer token, progress, cancellation.
pub trait Session: Cancel {
    fn token(&self) -> String;
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

/// Pulls until caught up. While one page is being applied, the next one is already on its way
/// (its cursor is in the page just read), so the phone and the server work at the same time.
fn pull(
    store: &Store,
    http: &Http,
    target: &Target,
    session: &dyn Session,
    totals: &mut Totals,
) -> Result<()> {
    let mut cursor = store.sync_cursor(target.server)?;
    let mut pending = http.send(
        Method::GET,
        &feed_url(target, cursor.as_deref()),
        &session.token(),
        None,
        &target.limits,
    );
    loop {
        check(session)?;
        let body = http.wait(pending, session)?;
        let page = wire::take_feed_page(body).map_err(|e| protocol("a change-feed page", e))?;
        let stuck = page.changes.is_empty() && cursor.as_deref() == Some(&page.next_cursor);
        let done = page.caught_up || stuck;
        let next = (!done).then(|| {
            http.send(
                Method::GET,
                &feed_url(target, Some(&page.next_cursor)),
                &session.token(),
                None,
                &target.limits,
            )
        });
        check(session)?;
        let tally = store.apply_page(target.server, &page)?;
        totals.pages += 1;
        totals.records_received += tally.records_written;
        totals.records_deleted += tally.records_deleted;
        totals.people_changed += tally.people_changed;
        totals.conflicts += tally.conflicts;
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

fn feed_url(target: &Target, cursor: Option<&str>) -> String {
    let mut url = format!(
        "{}/fhir/$changes?_count={}",
        target.server, target.page_size
    );
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
        let answer = http.fhir(
            Method::POST,
            &url,
            &session.token(),
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
