//! Accesses to a subject's papers, as the access ledger keeps them: who (key
//! or citizen link, and role), whose papers, which record, for which dossier
//! (the purpose) and what was read. Entries are hash-chained, one chain per
//! subject: each entry's hash covers its own fields, its place in its
//! subject's chain and the previous entry's hash ([`entry_hash`]), so
//! editing, deleting or inserting one anywhere breaks the chain there.
//! Entries written before per-subject chains keep the one global chain they
//! were written in (`chain_seq` absent), checked the same way.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::{DossierCode, Sha256Digest, SubjectId};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was read, as the ledger names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListRecords,
    ReadRecord,
    ReadPage,
    ReadPdf,
    ReadCertificate,
    ReadDossier,
    ReuseCheck,
    CitizenView,
    /// A record found by a search (one entry per record returned).
    Search,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::ListRecords,
        Action::ReadRecord,
        Action::ReadPage,
        Action::ReadPdf,
        Action::ReadCertificate,
        Action::ReadDossier,
        Action::ReuseCheck,
        Action::CitizenView,
        Action::Search,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ListRecords => "list_records",
            Action::ReadRecord => "read_record",
            Action::ReadPage => "read_page",
            Action::ReadPdf => "read_pdf",
            Action::ReadCertificate => "read_certificate",
            Action::ReadDossier => "read_dossier",
            Action::ReuseCheck => "reuse_check",
            Action::CitizenView => "citizen_view",
            Action::Search => "search",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// What the citizen reads on their page.
    pub fn label_vi(self) -> &'static str {
        match self {
            Action::ListRecords => "Tra cứu danh sách giấy tờ",
            Action::ReadRecord => "Xem thông tin giấy tờ",
            Action::ReadPage => "Xem bản quét",
            Action::ReadPdf => "Tải bản PDF",
            Action::ReadCertificate => "Xem chứng thư số hóa",
            Action::ReadDossier => "Xem hồ sơ",
            Action::ReuseCheck => "Kiểm tra để dùng lại giấy tờ",
            Action::CitizenView => "Công dân tự xem",
            Action::Search => "Tìm thấy khi tra cứu",
        }
    }
}

/// Who read: an API key and its role, or a citizen's own link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// The key's name, `citizen-link {id}` for a citizen link, or an officer's account.
    pub name: String,
    /// The key's role, or `citizen`.
    pub role: String,
}

/// An access to a subject's records, before it is chained.
#[derive(Debug, Clone)]
pub struct NewAccess {
    pub reader: Reader,
    pub subject_id: SubjectId,
    pub record_id: Option<String>,
    /// The dossier the read is for.
    pub purpose: Option<DossierCode>,
    pub action: Action,
}

/// An entry of the access ledger, as stored and hashed (and, as JSON, as an
/// archive segment keeps it: `at` in its hashed form, `action` by name).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessEntry {
    /// The order of writing, across every chain.
    pub seq: i64,
    /// The entry's place in its subject's chain, from 1; none for an entry
    /// of the older single chain, whose place is `seq`.
    pub chain_seq: Option<i64>,
    #[serde(with = "as_ledger_time")]
    pub at: DateTime<Utc>,
    /// The API key (or citizen link) that read.
    pub key_name: String,
    pub role: String,
    pub subject_id: String,
    pub record_id: Option<String>,
    /// The dossier the read was for.
    pub purpose: Option<String>,
    pub action: Action,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// SHA-256 of this entry's canonical JSON and `prev_hash`.
    pub hash: String,
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Action::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown action {name:?}")))
    }
}

/// An entry's time in JSON: exactly the text it is hashed as.
mod as_ledger_time {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    pub fn serialize<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::ledger_time(*at))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// An entry's time as it is stored and hashed: RFC 3339, UTC, microseconds.
pub fn ledger_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The fields an entry's hash covers, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Hashed<'a> {
    /// The entry's place in its chain.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub key_name: &'a str,
    pub role: &'a str,
    pub subject_id: &'a str,
    pub record_id: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub action: Action,
    pub prev_hash: &'a str,
}

/// The hash of an entry: SHA-256 (hex) of the canonical JSON (RFC 8785) of
/// its fields and the previous entry's hash.
pub fn entry_hash(e: Hashed<'_>) -> String {
    let fields = json!({
        "seq": e.seq, "at": ledger_time(e.at), "key_name": e.key_name, "role": e.role,
        "subject_id": e.subject_id, "record_id": e.record_id, "purpose": e.purpose,
        "action": e.action.as_str(), "prev_hash": e.prev_hash,
    });
    let canonical = serde_jcs::to_vec(&fields).expect("plain JSON always serialises");
    Sha256Digest::of(&canonical).to_hex()
}

impl AccessEntry {
    /// The entry's place in the chain it belongs to.
    pub fn place(&self) -> i64 {
        self.chain_seq.unwrap_or(self.seq)
    }

    fn hashed(&self) -> Hashed<'_> {
        Hashed {
            seq: self.place(),
            at: self.at,
            key_name: &self.key_name,
            role: &self.role,
            subject_id: &self.subject_id,
            record_id: self.record_id.as_deref(),
            purpose: self.purpose.as_deref(),
            action: self.action,
            prev_hash: &self.prev_hash,
        }
    }

    /// Whether the entry's content still gives its hash.
    pub fn hash_holds(&self) -> bool {
        entry_hash(self.hashed()) == self.hash
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("entry {seq} was changed: its content no longer gives its hash")]
    Changed { seq: i64 },
    #[error(
        "entry {seq} does not follow the entry before it (an entry before it was removed, changed or inserted)"
    )]
    Unlinked { seq: i64 },
    #[error("entry {expected} is missing (the next entry present is {found})")]
    Missing { expected: i64, found: i64 },
    #[error(
        "the ledger ends at entry {last} but its head says {head}: entries at the end were removed or added outside sohoa"
    )]
    Truncated { last: i64, head: i64 },
    #[error(
        "the last entry's hash differs from the one kept in the head: the end of the ledger was rewritten"
    )]
    HeadMismatch,
}

/// Checks a chain entry by entry, in order, without holding it in memory.
#[derive(Debug)]
pub struct ChainCheck {
    expected: i64,
    prev_hash: String,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self {
            expected: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl ChainCheck {
    /// A check of a chain whose entries up to `seq` (with hash `hash`) are
    /// no longer here: archived, or, at 0 and [`GENESIS`], none.
    pub fn after(seq: i64, hash: &str) -> Self {
        Self {
            expected: seq + 1,
            prev_hash: hash.to_owned(),
        }
    }

    /// The place of the last entry checked so far.
    pub fn checked(&self) -> i64 {
        self.expected - 1
    }

    /// The hash of the last entry checked so far.
    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }

    /// The next entry, which must follow the last one checked.
    pub fn next(&mut self, entry: &AccessEntry) -> Result<(), Break> {
        let place = entry.place();
        if place != self.expected {
            return Err(Break::Missing {
                expected: self.expected,
                found: place,
            });
        }
        if !entry.hash_holds() {
            return Err(Break::Changed { seq: place });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(Break::Unlinked { seq: place });
        }
        self.prev_hash.clone_from(&entry.hash);
        self.expected += 1;
        Ok(())
    }

    /// After the last entry: the head must name it.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), Break> {
        let checked = self.checked();
        if checked != head_seq {
            Err(Break::Truncated {
                last: checked,
                head: head_seq,
            })
        } else if self.prev_hash != head_hash {
            Err(Break::HeadMismatch)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev_hash: &str) -> AccessEntry {
        let mut e = AccessEntry {
            seq,
            chain_seq: None,
            at: "2026-11-23T10:00:00.000000Z".parse().unwrap(),
            key_name: "desk".into(),
            role: "reader".into(),
            subject_id: "001090012345".into(),
            record_id: Some("r".into()),
            purpose: Some("p".into()),
            action: Action::ReadRecord,
            prev_hash: prev_hash.into(),
            hash: String::new(),
        };
        e.hash = entry_hash(e.hashed());
        e
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let base = entry(1, GENESIS);
        let changes: [fn(&mut AccessEntry); 8] = [
            |e| e.seq = 2,
            |e| e.at += chrono::Duration::microseconds(1),
            |e| e.key_name.push('x'),
            |e| e.role = "intake".into(),
            |e| e.subject_id = "001090012346".into(),
            |e| e.record_id = None,
            |e| e.purpose = Some("q".into()),
            |e| e.prev_hash = "1".repeat(64),
        ];
        for change in changes {
            let mut changed = base.clone();
            change(&mut changed);
            assert!(!changed.hash_holds());
        }
        let mut other_action = base.clone();
        other_action.action = Action::ReadPdf;
        assert!(!other_action.hash_holds());
    }

    #[test]
    fn a_chain_check_names_the_first_break() {
        let first = entry(1, GENESIS);
        let second = entry(2, &first.hash);
        let mut check = ChainCheck::default();
        check.next(&first).unwrap();
        check.next(&second).unwrap();
        assert_eq!(check.finish(2, &second.hash), Ok(()));
        assert_eq!(
            check.finish(3, &second.hash),
            Err(Break::Truncated { last: 2, head: 3 })
        );

        let mut check = ChainCheck::default();
        check.next(&first).unwrap();
        assert_eq!(
            check.next(&entry(3, &first.hash)),
            Err(Break::Missing {
                expected: 2,
                found: 3
            })
        );
        let mut check = ChainCheck::default();
        check.next(&first).unwrap();
        assert_eq!(
            check.next(&entry(2, GENESIS)),
            Err(Break::Unlinked { seq: 2 })
        );
    }

    #[test]
    fn actions_round_trip_through_their_names() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("delete"), None);
    }
}
