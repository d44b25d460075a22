-- Schema 3: sync with the backend.
-- The backend's version of each record it knows (NULL: only on this phone so far).
ALTER TABLE records ADD COLUMN version INTEGER;

-- Which backend patient each person of the book is.
CREATE TABLE sync_people (
    patient_id  TEXT PRIMARY KEY NOT NULL,
    person_id   TEXT NOT NULL UNIQUE REFERENCES people(id) ON DELETE CASCADE
) STRICT;

-- Where the change feed resumes, per backend. Written in the same transaction as the page it follows.
CREATE TABLE sync_cursor (
    server      TEXT PRIMARY KEY NOT NULL,
    cursor      TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT;

-- The citizen's entries not yet accepted by the backend. `base_version` is the backend version the
-- edit was made on; `generation` grows with every local edit, so an answer to an older push cannot
-- clear a newer edit.
CREATE TABLE outbox (
    record_id     TEXT PRIMARY KEY NOT NULL,
    person_id     TEXT NOT NULL,
    deleted       INTEGER NOT NULL,
    base_version  INTEGER,
    generation    INTEGER NOT NULL,
    queued_ms     INTEGER NOT NULL
) STRICT;

-- Citizen edits the backend did not take: kept for the app to show, never silently dropped.
-- `local_body` is the edit (NULL when the edit was a deletion).
CREATE TABLE sync_conflicts (
    record_id       TEXT PRIMARY KEY NOT NULL,
    person_id       TEXT NOT NULL,
    local_body      TEXT,
    base_version    INTEGER,
    server_version  INTEGER,
    reason          TEXT NOT NULL,
    detected_ms     INTEGER NOT NULL
) STRICT;
