-- Schema 5: the links the citizen shared with doctors. The link (with its key) is kept so the QR can
-- be shown again until it expires; the whole file is encrypted. Accesses arrive with sync.
CREATE TABLE shares (
    id          TEXT PRIMARY KEY NOT NULL,
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    server_url  TEXT NOT NULL,
    link        TEXT NOT NULL,
    label       TEXT,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    record_count INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0,
    uses        INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE share_accesses (
    share_id    TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    recipient   TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (share_id, at_ms, recipient)
) STRICT;
