//! SHA-256 digests: the name of every stored blob and the proof of every byte served.

use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 digest, shown as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Finishes an incremental hasher (used while bytes stream in).
    pub fn from_hasher(hasher: Sha256) -> Self {
        Self(hasher.finalize().into())
    }

    /// Parses 64 hex characters (either case).
    pub fn parse(text: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut out).ok()?;
        Some(Self(out))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The digest of several digests in order: the fingerprint of a set of pages.
    pub fn of_list<'a>(items: impl IntoIterator<Item = &'a Sha256Digest>) -> Self {
        let mut hasher = Sha256::new();
        for item in items {
            hasher.update(item.0);
        }
        Self::from_hasher(hasher)
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Sha256Digest::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("a SHA-256 digest is 64 hex characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_well_known_value() {
        assert_eq!(
            Sha256Digest::of(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let d = Sha256Digest::of(b"abc");
        assert_eq!(Sha256Digest::parse(&d.to_hex().to_uppercase()), Some(d));
        assert_eq!(Sha256Digest::parse("zz"), None);
        assert_eq!(Sha256Digest::parse(&"a".repeat(63)), None);
    }

    #[test]
    fn list_fingerprint_depends_on_order() {
        let a = Sha256Digest::of(b"a");
        let b = Sha256Digest::of(b"b");
        assert_ne!(
            Sha256Digest::of_list([&a, &b]),
            Sha256Digest::of_list([&b, &a])
        );
    }
}
