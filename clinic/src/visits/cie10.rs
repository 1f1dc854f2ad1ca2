//! The CIE-10 codes a note's diagnosis may carry: the list shipped with the app
//! (`clinic/data/cie10-podologia.tsv`), read once, searched in memory (it answers offline too).

use std::sync::LazyLock;

use serde::Serialize;

use crate::patients::model::fold;

/// One code of the list and its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Cie10Code {
    pub code: &'static str,
    pub title: &'static str,
}

struct Entry {
    code: Cie10Code,
    /// The code without its dot, lower case, and the folded title: what a search matches.
    key: String,
}

static LIST: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    include_str!("../../data/cie10-podologia.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(code, title)| Entry {
            key: format!("{} {}", code.replace('.', "").to_lowercase(), fold(title)),
            code: Cie10Code { code, title },
        })
        .collect()
});

/// The code as the list writes it ("l600", " L60.0 " → "L60.0"), if the list has it.
pub fn find(code: &str) -> Option<&'static Cie10Code> {
    let wanted = code.trim().replace('.', "").to_uppercase();
    LIST.iter().find(|e| e.code.code.replace('.', "") == wanted).map(|e| &e.code)
}

/// The codes whose code or title holds every word of `query` (case and accents aside), in the
/// list's order, at most `max`.
pub fn search(query: &str, max: usize) -> Vec<Cie10Code> {
    let words: Vec<String> = fold(query).split_whitespace().map(|w| w.replace('.', "")).collect();
    if words.is_empty() {
        return Vec::new();
    }
    LIST.iter().filter(|e| words.iter().all(|w| e.key.contains(w.as_str()))).take(max).map(|e| e.code.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_however_typed() {
        assert_eq!(find("l600").map(|c| c.title), Some("Uña encarnada"));
        assert_eq!(find(" L60.0 ").map(|c| c.code), Some("L60.0"));
        assert_eq!(find("L84").map(|c| c.code), Some("L84"));
        assert_eq!(find("X99.9"), None);
    }

    #[test]
    fn search_matches_words_without_accents_and_codes() {
        let found: Vec<&str> = search("una encarn", 10).iter().map(|c| c.code).collect();
        assert_eq!(found, vec!["L60.0"]);
        assert!(search("L60", 20).len() >= 8);
        assert_eq!(search("e11.5", 5)[0].code, "E11.5");
        assert!(search("  ", 5).is_empty());
        assert_eq!(search("pie", 3).len(), 3);
    }

    #[test]
    fn every_line_of_the_list_is_a_well_formed_code() {
        assert!(LIST.len() > 100);
        for e in LIST.iter() {
            assert!(super::super::model::is_cie10_shape(e.code.code), "{}", e.code.code);
            assert!(!e.code.title.trim().is_empty());
        }
    }
}
