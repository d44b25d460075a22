//! `GET /fhir/$changes?cursor=<opaque>&_count=<n>[&patient=<id>]`: the next page of the change
//! feed for a citizen's token, as the sync wire's `history` Bundle with a `next` link. While more
//! remains, the next page's URL is also in a `Link: <…>; rel="next"` header (RFC 8288), so a
//! client can ask for it before it has read this page's body.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use healthbook_core::sync::wire::{feed_page_bundle, percent_encode};

use super::{bearer_of, blocking, citizen_of, AppState};
use crate::clock;
use crate::feed::{next_page, parse_count, Cursor, FeedRequest};
use crate::outcome::{ApiError, Fhir};

pub async fn changes(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<(HeaderMap, Fhir), ApiError> {
    let token = bearer_of(&headers);
    let settings = state.settings.clone();
    let bundle = blocking(&state, move |storage| {
        let reader = storage.read()?;
        let citizen = citizen_of(&*reader, token.as_deref())?;
        let params: HashMap<String, String> = Query::try_from_uri(&uri)
            .map(|Query(params)| params)
            .map_err(|_| ApiError::bad_request("url", "the query string is malformed"))?;
        let request = FeedRequest {
            cursor: match params.get("cursor").filter(|c| !c.is_empty()) {
                Some(text) => Cursor::decode(text)?,
                None => Cursor::default(),
            },
            count: parse_count(params.get("_count").map(String::as_str))?,
            patient: params.get("patient").filter(|p| !p.is_empty()).cloned(),
        };
        let page = next_page(
            &*reader,
            &citizen,
            &request,
            clock::today(),
            settings.guardian_age_limit,
        )?;
        drop(reader);
        let base = &settings.public_url;
        let self_url = format!(
            "{base}{}",
            uri.path_and_query()
                .map_or("/fhir/$changes", |pq| pq.as_str())
        );
        let mut next_url = format!(
            "{base}/fhir/$changes?cursor={}&_count={}",
            percent_encode(&page.next_cursor),
            request.count
        );
        if let Some(patient) = &request.patient {
            next_url.push_str(&format!("&patient={}", percent_encode(patient)));
        }
        let link = (!page.caught_up).then(|| format!("<{next_url}>; rel=\"next\""));
        Ok((
            feed_page_bundle(&page, &self_url, &next_url, clock::now()),
            link,
        ))
    })
    .await?;
    let (bundle, link) = bundle;
    let mut answer_headers = HeaderMap::new();
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        answer_headers.insert(header::LINK, link);
    }
    Ok((answer_headers, Fhir(StatusCode::OK, bundle)))
}
