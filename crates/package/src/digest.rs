//! SHA-256 content digests, `sha256:` and 64 lowercase hex digits.

use std::fmt;

use sha2::{Digest as _, Sha256};

/// A well-formed SHA-256 digest. Holding one proves only its form; the
/// cache proves the content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// `text` as a digest, if it is `sha256:` and 64 lowercase hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix("sha256:")?;
        let ok = hex.len() == 64
            && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| Self(text.to_string()))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self::from_hasher(Sha256::new_with_prefix(bytes))
    }

    pub(crate) fn from_hasher(hasher: Sha256) -> Self {
        let hash = hasher.finalize();
        let mut text = String::with_capacity(71);
        text.push_str("sha256:");
        for byte in hash.iter() {
            text.push_str(&format!("{byte:02x}"));
        }
        Self(text)
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// The whole digest, `sha256:…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked_and_computed() {
        let empty = Digest::of(b"");
        assert_eq!(
            empty.as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Digest::parse(empty.as_str()), Some(empty.clone()));
        assert_eq!(empty.hex().len(), 64);
        assert!(
            Digest::parse(
                "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
            )
            .is_none()
        );
        assert!(Digest::parse("sha512:00").is_none());
        assert!(Digest::parse("sha256:../../etc/passwd").is_none());
    }
}
