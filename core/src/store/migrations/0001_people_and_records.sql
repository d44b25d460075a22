-- Schema 1: people and their records. A record's body is its JSON form; the columns beside it
-- are what queries filter and sort on.
CREATE TABLE people (
    id          TEXT PRIMARY KEY NOT NULL,
    role        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT;

-- The timeline: newest first per person, ties broken by id (the keyset cursor).
CREATE INDEX records_timeline ON records (person_id, at_ms DESC, id DESC);
CREATE INDEX records_by_kind ON records (person_id, kind, at_ms DESC, id DESC);
