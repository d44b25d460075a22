-- Schema 6: what the outbox last pushed of each entry. A push the backend applied but whose answer
-- was lost comes back through the feed; what was sent, and on which version, tells the citizen's
-- own write from another device's, even when the citizen has edited the record again since.
-- `sent_generation` NULL: not pushed since it was queued (or its last push was settled).
ALTER TABLE outbox ADD COLUMN sent_generation INTEGER;
-- The version the pushed edit was made on (NULL: a record the backend had not had).
ALTER TABLE outbox ADD COLUMN sent_base INTEGER;
-- The record as pushed; NULL when the push was a deletion.
ALTER TABLE outbox ADD COLUMN sent_body TEXT;
