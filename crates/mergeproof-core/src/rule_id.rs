//! Rule ids: a contract (DESIGN.md "Rules"). One typed enum, so that every
//! stage names a rule the compiler knows; the check stage's registry
//! ([`crate::rules::rule`]) maps each id to its code and documentation.

use std::fmt;

macro_rules! rule_ids {
    ($($variant:ident => $id:literal,)*) => {
        /// A rule, by the id users write in `mergeproof.yaml`, `allow:` and
        /// `mergeproof explain`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule, in the order `explain --list` shows them.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }
        }
    };
}

rule_ids! {
    MissingFallback => "missing-fallback",
    RenderArtifact => "render-artifact",
    UnsafeTokenCombo => "unsafe-token-combo",
    ZeroBalance => "zero-balance",
    SensitiveCategory => "sensitive-category",
    GenderAssumption => "gender-assumption",
    CreepyReference => "creepy-reference",
    SubjectTruncation => "subject-truncation",
    UnescapedData => "unescaped-data",
    UnreachableVariant => "unreachable-variant",
    UncoveredVariant => "uncovered-variant",
    NoVariant => "no-variant",
    NoControl => "no-control",
    HelperShadowsField => "helper-shadows-field",
    BrokenLink => "broken-link",
    SendFailure => "send-failure",
    GuardMismatch => "guard-mismatch",
    SmsSegments => "sms-segments",
    PluralAgreement => "plural-agreement",
}

impl RuleId {
    /// The rule a user's id names (exactly, as the contract spells it).
    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == id)
    }

    /// Every id as users write it, for did-you-mean hints.
    pub fn names() -> Vec<&'static str> {
        RuleId::ALL.iter().map(|r| r.as_str()).collect()
    }
}

/// Rules sort by their id, as reports list them.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_back_and_are_unique() {
        for &id in RuleId::ALL {
            assert_eq!(RuleId::parse(id.as_str()), Some(id));
        }
        let mut names = RuleId::names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RuleId::ALL.len());
        assert_eq!(RuleId::parse("missing_fallback"), None);
    }

    #[test]
    fn ids_pad_like_strings() {
        // `explain --list` aligns its columns with width specifiers.
        assert_eq!(format!("{:<12}|", RuleId::NoControl), "no-control  |");
    }
}
