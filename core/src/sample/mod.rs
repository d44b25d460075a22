//! Synthetic Vietnamese health books for tests, the demo app and benchmarks: a family (a mother
//! who owns the book and her two children) with years of realistic, valid records, and bulk
//! records for one person. Everything is deterministic for a seed: SplitMix64, no clock.

mod bulk;
mod children;
mod make;
mod owner;
mod people;
mod rng;
mod vocab;

#[cfg(test)]
mod tests;

pub use bulk::bulk_records;

use crate::model::{CalendarDate, Person, Record};

/// A sample household: `people[0]` is the owner, then the older and the younger child.
/// `records` hold every person's records, each person's in time order.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SampleFamily {
    pub people: Vec<Person>,
    pub records: Vec<Record>,
}

/// A mother of 36 in Hà Nội with eleven years of history, a son or daughter of about seven and a
/// baby of about ten months, all dated relative to `today` so the family is always current.
/// Ids are `sample-<seed>-p<n>` for people and `sample-<seed>-r<n>` for records. Only the one
/// booked re-exam appointment lies after `today`.
#[uniffi::export]
pub fn sample_family(seed: u64, today: CalendarDate) -> SampleFamily {
    let household = people::household(seed, today);
    let births = owner::Births {
        older: household.children[0].0.date_of_birth,
        younger: household.children[1].0.date_of_birth,
    };
    let mut parts = vec![owner::records(
        seed,
        &household.owner,
        household.owner_build,
        &births,
        today,
    )];
    let kinds = [children::Child::Older, children::Child::Younger];
    for ((child, build), kind) in household.children.iter().zip(kinds) {
        parts.push(children::records(
            seed,
            kind,
            child,
            *build,
            &household.owner,
            today,
        ));
    }
    let mut records = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for mut part in parts {
        // A stable sort keeps a visit before the prescription written at the same minute.
        part.sort_by_key(Record::at);
        records.extend(part);
    }
    for (n, record) in (1..).zip(records.iter_mut()) {
        record.set_id(format!("sample-{seed}-r{n}"));
    }
    let [older, younger] = household.children;
    SampleFamily {
        people: vec![household.owner, older.0, younger.0],
        records,
    }
}
