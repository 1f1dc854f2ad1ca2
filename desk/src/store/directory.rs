//! The patient directory in memory: the desk store's list of every active patient's name, phone, birth
//! date and risk flag (kept in the desk store, `podoclinic_store::directory`), indexed for search
//! as you type. It answers the same three questions the server answers for a search
//! (`search::Source`), by the same rules, online and offline alike:
//! - which names contain every word typed (or which phones contain the digits): a trigram index
//!   picks the entries holding the rarest three letters typed, and each is checked whole;
//! - whether a word is part of any name;
//! - the known name word nearest a mistyped one, by `pg_trgm`'s similarity (its trigrams, its 0.3
//!   threshold, its order), so "gonzales" finds "González" here as on the server.

use std::collections::HashMap;

use uuid::Uuid;

use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::patients::model::{PatientSummary, fold, phone_key};
use podoclinic_clinic::patients::repo::{Candidate, SearchTerms};
use podoclinic_clinic::patients::service::Source;
use podoclinic_store::directory::Listing;

/// A patient registered at this desk: folded as the server folds (`patients.search_name`,
/// `search_phone`), so it is found the same way before and after it reaches the server.
pub fn typed_here(p: &podoclinic_clinic::patients::model::Patient) -> Listing {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    Listing {
        id: p.id,
        full_name: format!("{} {}", p.first_name, p.last_names).trim().to_string(),
        birth_date: p.birth_date,
        phone: p.phone.clone(),
        at_risk: p.at_risk(),
        search_name: fold(&format!("{} {}", p.first_name, p.last_names)),
        search_phone: format!("{} {}", digits(&p.phone), digits(&p.phone_alt)),
        pending: true,
    }
}

/// The line a search result or a duplicate warning shows.
pub fn summary(l: &Listing) -> PatientSummary {
    PatientSummary {
        id: l.id,
        full_name: l.full_name.clone(),
        birth_date: l.birth_date,
        phone: l.phone.clone(),
        at_risk: l.at_risk,
    }
}

/// Three characters packed in one number: the index's key.
type Trigram = u64;

fn pack(a: char, b: char, c: char) -> Trigram {
    (u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c)
}

/// Every run of three characters of `s`, once each.
fn substrings(s: &str) -> Vec<Trigram> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<Trigram> = chars.windows(3).map(|w| pack(w[0], w[1], w[2])).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `pg_trgm`'s trigrams of one word: padded with two spaces before and one after.
fn word_trigrams(word: &str) -> Vec<Trigram> {
    substrings(&format!("  {word} "))
}

/// The words of a folded name, as the server's `patient_name_words` splits them.
fn name_words(search_name: &str) -> impl Iterator<Item = &str> {
    search_name.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3)
}

/// `pg_trgm`'s default `similarity_threshold`.
const SIMILARITY: f64 = 0.3;

#[derive(Default)]
pub struct Directory {
    entries: Vec<Listing>,
    by_id: HashMap<Uuid, usize>,
    /// Which entries hold each three letters of their folded name, and of their phone digits.
    names: HashMap<Trigram, Vec<u32>>,
    phones: HashMap<Trigram, Vec<u32>>,
    /// The distinct name words (three letters or more) and their `pg_trgm` trigrams' postings.
    words: Vec<String>,
    word_ids: HashMap<String, u32>,
    word_trigrams: HashMap<Trigram, Vec<u32>>,
    word_sizes: Vec<u32>,
    /// Entries replaced or removed since the index was built (kept as holes until the next build).
    holes: usize,
}

impl Directory {
    pub fn build(listings: Vec<Listing>) -> Directory {
        let mut d = Directory { entries: Vec::with_capacity(listings.len()), ..Directory::default() };
        for l in listings {
            d.add(l);
        }
        d
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id: Uuid) -> Option<&Listing> {
        self.by_id.get(&id).map(|&i| &self.entries[i])
    }

    /// Every listing (rebuilding, tests).
    pub fn listings(&self) -> impl Iterator<Item = &Listing> {
        self.by_id.values().map(|&i| &self.entries[i])
    }

    fn add(&mut self, l: Listing) {
        let at = self.entries.len() as u32;
        for t in substrings(&l.search_name) {
            self.names.entry(t).or_default().push(at);
        }
        for t in substrings(&l.search_phone) {
            self.phones.entry(t).or_default().push(at);
        }
        for word in name_words(&l.search_name) {
            if !self.word_ids.contains_key(word) {
                let id = self.words.len() as u32;
                let trigrams = word_trigrams(word);
                self.word_sizes.push(trigrams.len() as u32);
                for t in trigrams {
                    self.word_trigrams.entry(t).or_default().push(id);
                }
                self.words.push(word.to_string());
                self.word_ids.insert(word.to_string(), id);
            }
        }
        self.by_id.insert(l.id, at as usize);
        self.entries.push(l);
    }

    /// Adds or replaces one patient. The old entry's postings stay as holes (skipped by id);
    /// when holes pass a quarter of the entries the index is rebuilt.
    pub fn upsert(&mut self, l: Listing) {
        if self.by_id.contains_key(&l.id) {
            self.holes += 1;
        }
        self.add(l);
        self.compact();
    }

    pub fn remove(&mut self, id: Uuid) {
        if self.by_id.remove(&id).is_some() {
            self.holes += 1;
            self.compact();
        }
    }

    fn compact(&mut self) {
        if self.holes * 4 > self.entries.len().max(64) {
            let live: Vec<Listing> = self.listings().cloned().collect();
            *self = Directory::build(live);
        }
    }

    /// Whether entry `i` is the live one for its id (not a hole left by an update).
    fn live(&self, i: usize) -> bool {
        self.by_id.get(&self.entries[i].id) == Some(&i)
    }

    /// Up to `limit` entries matching `terms` as the server's `repo::candidates` matches them.
    pub fn candidates(&self, terms: &SearchTerms, limit: usize) -> Vec<Candidate> {
        let (index, needles, haystack): (_, &[String], fn(&Listing) -> &str) = if terms.words.is_empty() {
            (&self.phones, std::slice::from_ref(&terms.digits), |l| &l.search_phone)
        } else {
            (&self.names, &terms.words[..], |l| &l.search_name)
        };
        let matches = |l: &Listing| needles.iter().all(|n| haystack(l).contains(n.as_str()));
        let mut out = Vec::new();
        let mut take = |i: usize| {
            let l = &self.entries[i];
            if self.live(i) && matches(l) {
                out.push(Candidate { summary: summary(l), search_name: l.search_name.clone() });
            }
            out.len() < limit
        };
        // The rarest three letters of any needle narrow the scan to the entries holding them; a
        // query shorter than three letters scans until it has enough.
        let rarest = needles
            .iter()
            .flat_map(|n| substrings(n))
            .map(|t| index.get(&t).map_or(&[][..], Vec::as_slice))
            .min_by_key(|p| p.len());
        match rarest {
            Some(postings) => {
                for &i in postings {
                    if !take(i as usize) {
                        break;
                    }
                }
            }
            None => {
                for i in 0..self.entries.len() {
                    if !take(i) {
                        break;
                    }
                }
            }
        }
        out
    }

    /// Likely duplicates of a new patient in the directory, by the server's rule
    /// (`repo::possible_duplicates`): the same folded name and birth date, or the same last ten
    /// digits of the main phone (seven at least).
    pub fn possible_duplicates(&self, p: &podoclinic_clinic::patients::model::Patient) -> Vec<PatientSummary> {
        let name = fold(&format!("{} {}", p.first_name, p.last_names));
        let key = p.phone_key();
        let mut found: Vec<&Listing> = self
            .listings()
            .filter(|l| l.id != p.id)
            .filter(|l| {
                (l.search_name == name && l.birth_date == p.birth_date && p.birth_date.is_some())
                    || (key.len() >= 7 && phone_key(&l.phone) == key)
            })
            .collect();
        // The server's order: the folded name byte by byte (COLLATE "C"), then the id.
        found.sort_by(|a, b| a.search_name.cmp(&b.search_name).then(a.id.cmp(&b.id)));
        found.into_iter().take(10).map(summary).collect()
    }

    /// True when some name word contains `word` (the server's `word_exists`).
    pub fn word_exists(&self, word: &str) -> bool {
        self.words.iter().any(|w| w.contains(word))
    }

    /// The known name word most similar to `word` (at least `pg_trgm`'s threshold), nearest
    /// first and then alphabetical: the server's `nearest_word`.
    pub fn nearest_word(&self, word: &str) -> Option<String> {
        let query = word_trigrams(word);
        let mut shared: HashMap<u32, u32> = HashMap::new();
        for t in &query {
            for &w in self.word_trigrams.get(t).map_or(&[][..], Vec::as_slice) {
                *shared.entry(w).or_default() += 1;
            }
        }
        shared
            .into_iter()
            .map(|(w, common)| {
                let union = query.len() as u32 + self.word_sizes[w as usize] - common;
                (f64::from(common) / f64::from(union), w)
            })
            .filter(|(similarity, _)| *similarity >= SIMILARITY)
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| self.words[b.1 as usize].cmp(&self.words[a.1 as usize])))
            .map(|(_, w)| self.words[w as usize].clone())
    }
}

impl Source for Directory {
    async fn candidates(&self, terms: &SearchTerms, limit: i64) -> AppResult<Vec<Candidate>> {
        Ok(Directory::candidates(self, terms, usize::try_from(limit).unwrap_or(0)))
    }

    async fn word_exists(&self, word: &str) -> AppResult<bool> {
        Ok(Directory::word_exists(self, word))
    }

    async fn nearest_word(&self, word: &str) -> AppResult<Option<String>> {
        Ok(Directory::nearest_word(self, word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(name: &str, phone: &str) -> Listing {
        Listing {
            id: Uuid::now_v7(),
            full_name: name.into(),
            birth_date: None,
            phone: phone.into(),
            at_risk: false,
            search_name: fold(name),
            search_phone: phone.chars().filter(char::is_ascii_digit).collect(),
            pending: false,
        }
    }

    fn names(found: Vec<Candidate>) -> Vec<String> {
        let mut n: Vec<String> = found.into_iter().map(|c| c.summary.full_name).collect();
        n.sort();
        n
    }

    fn words(w: &[&str]) -> SearchTerms {
        SearchTerms { words: w.iter().map(|s| s.to_string()).collect(), digits: String::new() }
    }

    #[test]
    fn finds_every_name_holding_all_words_and_phones_by_digits() {
        let d = Directory::build(vec![
            listing("José González Muñoz", "55 1234 5678"),
            listing("Josefina Gómez", "55 8765 4321"),
            listing("Ana María López", "33 1111 2222"),
        ]);
        assert_eq!(names(d.candidates(&words(&["jose"]), 200)), ["Josefina Gómez", "José González Muñoz"]);
        assert_eq!(names(d.candidates(&words(&["gonz", "jose"]), 200)), ["José González Muñoz"]);
        assert_eq!(names(d.candidates(&words(&["a"]), 200)).len(), 3, "one letter scans");
        assert_eq!(names(d.candidates(&words(&["a"]), 2)).len(), 2, "up to the limit");
        assert!(d.candidates(&words(&["xyz"]), 200).is_empty());
        let phone = SearchTerms { words: vec![], digits: "8765".into() };
        assert_eq!(names(d.candidates(&phone, 200)), ["Josefina Gómez"]);
    }

    #[test]
    fn an_update_replaces_the_entry_and_a_removal_hides_it() {
        let mut d = Directory::build(vec![listing("Ana López", "5512345678")]);
        let id = d.listings().next().unwrap().id;
        d.upsert(with_id(
            Listing { full_name: "Ana Ruiz".into(), search_name: "ana ruiz".into(), ..listing("x", "1") },
            id,
        ));
        assert_eq!(d.len(), 1);
        assert!(d.candidates(&words(&["lopez"]), 200).is_empty(), "the old name is gone");
        assert_eq!(names(d.candidates(&words(&["ruiz"]), 200)), ["Ana Ruiz"]);
        d.remove(id);
        assert!(d.candidates(&words(&["ana"]), 200).is_empty());
        assert!(d.is_empty());
    }

    #[test]
    fn compaction_keeps_every_live_entry() {
        let mut d = Directory::default();
        let mut ids = Vec::new();
        for i in 0..100 {
            let l = listing(&format!("Paciente {i:03}"), "5500000000");
            ids.push(l.id);
            d.upsert(l);
        }
        for (i, id) in ids.iter().enumerate().take(60) {
            d.upsert(with_id(listing(&format!("Renombrado {i:03}"), "5500000000"), *id));
        }
        assert_eq!(d.len(), 100);
        assert_eq!(d.candidates(&words(&["renombrado"]), 500).len(), 60);
        assert_eq!(d.candidates(&words(&["paciente"]), 500).len(), 40);
    }

    #[test]
    fn the_nearest_word_follows_pg_trgm() {
        let d = Directory::build(vec![listing("Luis González", "1"), listing("Marta Gonzaga", "2")]);
        assert_eq!(d.nearest_word("gonzales").as_deref(), Some("gonzalez"));
        assert_eq!(d.nearest_word("qqqq"), None);
        assert!(d.word_exists("onza"));
        assert!(!d.word_exists("onzq"));
        // similarity("gonzales", "gonzalez") = 7 shared of 11 trigrams, as pg_trgm counts them.
        let (a, b) = (word_trigrams("gonzales"), word_trigrams("gonzalez"));
        let common = a.iter().filter(|t| b.contains(t)).count();
        assert_eq!((common, a.len() + b.len() - common), (7, 11));
    }

    fn with_id(l: Listing, id: Uuid) -> Listing {
        Listing { id, ..l }
    }
}
