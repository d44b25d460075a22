//! Writes the seed corpora of the fuzz targets (`fuzz/`) from the shared test vectors and the
//! sample family: `cargo run -p healthbook-core --features sample --example fuzz_seeds -- VECTORS OUT`.
//! `cargo xtask fuzz` runs it; OUT gets one folder per target.
//!
//! - `share_link`: every link of the vectors;
//! - `jwe`: each link and its file, as `link\ncompact` (what the target reads);
//! - `fhir_import`: the decrypted IPS Bundles;
//! - `sync_wire`: feed pages, a push and a push answer made from the sample family.

use std::path::{Path, PathBuf};

use chrono::{FixedOffset, TimeZone};
use healthbook_core::model::{CalendarDate, PersonRole};
use healthbook_core::sample::sample_family;
use healthbook_core::share::{jwe, link};
use healthbook_core::sync::wire::{
    feed_page_bundle, push_bundle, push_response_bundle, ChangeBody, FeedPage, PushChange,
    PushItem, PushOutcome, RecordChange,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [vectors, out] = args.as_slice() else {
        return Err("usage: fuzz_seeds VECTORS OUT".into());
    };
    let ips = vectors.join("shl/ips");
    let mut counts = [0usize; 4];
    for entry in std::fs::read_dir(&ips).map_err(|e| format!("{}: {e}", ips.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some(stem) = name.strip_suffix("-shl.txt") else {
            continue;
        };
        let shl = std::fs::read_to_string(&path)?;
        write(
            out,
            "share_link",
            &name,
            shl.trim().as_bytes(),
            &mut counts[0],
        )?;
        let file = ips.join(format!("{stem}-enc.txt"));
        let Ok(compact) = std::fs::read_to_string(&file) else {
            continue;
        };
        let seed = format!("{}\n{}", shl.trim(), compact.trim());
        write(out, "jwe", &name, seed.as_bytes(), &mut counts[1])?;
        let key = link::parse_link(shl.trim())?.key_bytes()?;
        let bundle = jwe::decrypt(compact.trim(), key.as_slice())?.plaintext;
        write(
            out,
            "fhir_import",
            &format!("{stem}.json"),
            &bundle,
            &mut counts[2],
        )?;
    }

    let today = CalendarDate::from_ymd_opt(2026, 6, 1).ok_or("date")?;
    let family = sample_family(7, today);
    let at = FixedOffset::east_opt(7 * 3600)
        .ok_or("offset")?
        .with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
        .single()
        .ok_or("instant")?;
    for (n, person) in family.people.iter().enumerate() {
        let changes: Vec<RecordChange> = family
            .records
            .iter()
            .filter(|r| r.person_id() == person.id)
            .take(12)
            .enumerate()
            .map(|(i, record)| RecordChange {
                record_id: record.id().to_owned(),
                version: i as i64 + 1,
                change: if i % 5 == 4 {
                    ChangeBody::Delete(record.kind())
                } else {
                    ChangeBody::Put(record.clone())
                },
            })
            .collect();
        let page = FeedPage {
            patient_id: person.id.clone(),
            role: if n == 0 {
                PersonRole::Owner
            } else {
                PersonRole::Dependant
            },
            person: person.clone(),
            changes,
            next_cursor: format!("c{n}"),
            caught_up: n + 1 == family.people.len(),
        };
        let bundle = feed_page_bundle(
            &page,
            "http://127.0.0.1/fhir/_history",
            "http://127.0.0.1/fhir/_history?cursor=x",
            at,
        );
        write(
            out,
            "sync_wire",
            &format!("feed-{n}.json"),
            bundle.to_string().as_bytes(),
            &mut counts[3],
        )?;
    }
    let owner = &family.people[0];
    let items: Vec<PushItem> = family
        .records
        .iter()
        .filter(|r| r.person_id() == owner.id)
        .take(3)
        .enumerate()
        .map(|(i, record)| PushItem {
            record_id: record.id().to_owned(),
            base_version: (i > 0).then_some(i as i64),
            change: if i == 2 {
                PushChange::Delete
            } else {
                PushChange::Put {
                    person: owner.clone(),
                    record: record.clone(),
                }
            },
        })
        .collect();
    let push = push_bundle(&items, at);
    write(
        out,
        "sync_wire",
        "push.json",
        push.to_string().as_bytes(),
        &mut counts[3],
    )?;
    let answer = push_response_bundle(&[
        PushOutcome::Stored { version: 3 },
        PushOutcome::Conflict { current_version: 4 },
        PushOutcome::Rejected {
            status: 422,
            reason: "invalid".into(),
        },
    ]);
    write(
        out,
        "sync_wire",
        "push-answer.json",
        answer.to_string().as_bytes(),
        &mut counts[3],
    )?;

    println!(
        "seeds: share_link {}, jwe {}, fhir_import {}, sync_wire {}",
        counts[0], counts[1], counts[2], counts[3]
    );
    Ok(())
}

fn write(
    out: &Path,
    target: &str,
    name: &str,
    bytes: &[u8],
    count: &mut usize,
) -> std::io::Result<()> {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)?;
    *count += 1;
    Ok(())
}
