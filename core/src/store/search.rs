//! Full-text search over a person's records, insensitive to case and to Vietnamese diacritics.
//! Text is folded the same way when indexed and when queried; the index lives in the encrypted book.

use rusqlite::{params, Connection};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::model::Record;

/// Lower case, without diacritics: "Viêm phổi" → "viem phoi", "Đái tháo đường" → "dai thao duong".
/// `đ` is a letter of its own in Unicode (no decomposition), so it is mapped by hand.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Turns what the citizen typed into an FTS5 query: every word must match, each as a prefix,
/// and the words are quoted so that no input is read as query syntax.
pub fn match_expression(text: &str) -> Option<String> {
    let terms: Vec<String> = fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{word}\"*"))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

pub fn index_record(conn: &Connection, seq: i64, record: &Record) -> Result<()> {
    conn.prepare_cached("INSERT INTO record_search (rowid, text) VALUES (?1, ?2)")?
        .execute(params![seq, fold(&record.search_text())])?;
    Ok(())
}

pub fn unindex_record(conn: &Connection, seq: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM record_search WHERE rowid = ?1")?
        .execute([seq])?;
    Ok(())
}

/// Fills the index from every stored record (the upgrade to schema 2).
pub fn rebuild_index(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM record_search", [])?;
    let mut select = conn.prepare("SELECT seq, body FROM records")?;
    let rows = select.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (seq, body) = row?;
        let record: Record =
            serde_json::from_str(&body).map_err(|e| Error::corrupt("a record", &e))?;
        index_record(conn, seq, &record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_vietnamese_diacritics_and_case() {
        assert_eq!(fold("Viêm phổi"), "viem phoi");
        assert_eq!(fold("ĐÁI THÁO ĐƯỜNG"), "dai thao duong");
        assert_eq!(fold("Sốt xuất huyết Dengue"), "sot xuat huyet dengue");
        assert_eq!(fold("Nguyễn Thị Ánh"), "nguyen thi anh");
    }

    #[test]
    fn match_expression_quotes_each_word_as_a_prefix() {
        assert_eq!(
            match_expression("Viêm phổi").as_deref(),
            Some("\"viem\"* \"phoi\"*")
        );
        assert_eq!(
            match_expression("J18.9").as_deref(),
            Some("\"j18\"* \"9\"*")
        );
    }

    #[test]
    fn query_syntax_in_input_is_not_interpreted() {
        assert_eq!(
            match_expression("\"a\" OR b*").as_deref(),
            Some("\"a\"* \"or\"* \"b\"*")
        );
        assert_eq!(match_expression("  ,;- "), None);
    }
}
