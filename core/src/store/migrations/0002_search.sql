-- Schema 2: full-text search. The indexed text is folded (lower case, no Vietnamese diacritics,
-- đ → d) by the core before it is written, so "viem phoi" finds "Viêm phổi". Contentless: the
-- record text is not stored twice. rowid = records.seq. Filled from existing records after this runs.
CREATE VIRTUAL TABLE record_search USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
