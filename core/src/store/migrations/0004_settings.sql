-- Schema 4: the book's own settings (name → value), e.g. the guardian age limit.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
