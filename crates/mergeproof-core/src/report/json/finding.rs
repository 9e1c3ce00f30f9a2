//! A finding's JSON, written without serde: the bytes
//! `write_indented(out, finding, 2)` writes, in one pass.
//!
//! A large run's report is tens of megabytes of findings (56,530 findings,
//! 44 MB, for 100 campaigns of 10 variants and 200 profiles), and through
//! serde_json most of its time went to escaping strings a byte at a time and
//! looking at each unescaped run a second time for characters that act on a
//! display. Here a string is looked at eight bytes at a time while they are
//! printable ASCII that needs no escape, and its other characters one by one.
//! The serde path stays the definition: a test holds these bytes to it for
//! every field, every value of the enums and any text.

use crate::finding::{Finding, Fix};

/// Writes `finding` as `write_indented(out, finding, 2)` does; `false`
/// (nothing written) for a finding with a waiver, which is left to serde
/// (a waived finding is rare, and its waiver's fields are the team's).
pub(super) fn write(out: &mut Vec<u8>, finding: &Finding) -> bool {
    if finding.waiver.is_some() {
        return false;
    }
    const KEY: &[u8] = b"\n      \"";
    let key = |out: &mut Vec<u8>, name: &str, first: bool| {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(KEY);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\": ");
    };
    out.push(b'{');
    key(out, "rule", true);
    plain(out, finding.rule.as_str());
    key(out, "severity", false);
    plain(out, finding.severity.as_str());
    key(out, "campaign", false);
    string(out, &finding.campaign);
    key(out, "variant", false);
    optional(out, finding.variant.as_deref());
    key(out, "profile", false);
    optional(out, finding.profile.as_deref());
    key(out, "profile_kind", false);
    match finding.profile_kind {
        Some(kind) => plain(out, kind.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    key(out, "field", false);
    plain(out, finding.field.as_str());
    key(out, "message", false);
    string(out, &finding.message);
    key(out, "file", false);
    string(out, &finding.file);
    key(out, "line", false);
    number(out, finding.line);
    key(out, "column", false);
    number(out, finding.column);
    key(out, "excerpt", false);
    string(out, &finding.excerpt);
    key(out, "waived", false);
    out.extend_from_slice(if finding.waived { b"true" } else { b"false" });
    if let Some(fix) = &finding.fix {
        key(out, "fix", false);
        write_fix(out, fix);
    }
    out.extend_from_slice(b"\n    }");
    true
}

fn write_fix(out: &mut Vec<u8>, fix: &Fix) {
    out.extend_from_slice(b"{\n        \"text\": ");
    string(out, &fix.text);
    if let Some(replace) = &fix.replace {
        out.extend_from_slice(b",\n        \"replace\": ");
        string(out, replace);
    }
    if let Some(with) = &fix.replacement {
        out.extend_from_slice(b",\n        \"with\": ");
        string(out, with);
    }
    out.extend_from_slice(b"\n      }");
}

/// A name of the product's own (a rule id, a severity): nothing to escape.
fn plain(out: &mut Vec<u8>, text: &str) {
    debug_assert!(!text.bytes().any(needs_a_look));
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

fn optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn number(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Whether a byte is anything but printable ASCII that JSON takes as it is:
/// a control, `"`, `\`, DEL, or a byte of a longer character.
fn needs_a_look(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || b >= 0x7f
}

/// The length of the run at the start of `bytes` that needs no look, eight
/// bytes at a time (bit tricks on a `u64`: a lane's high bit is set where
/// its byte is below 0x20, is `"` or `\`, or is 0x7f or above), the last
/// few one by one.
fn clean_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let equals = |byte: u8| {
            let x = word ^ (ONES * u64::from(byte));
            x.wrapping_sub(ONES) & !x & HIGHS
        };
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        // 0x7f and above: 0x7f plus one carries into the high bit, and
        // bytes with it set already have it.
        let del_or_high = (word | (word & !HIGHS).wrapping_add(ONES)) & HIGHS;
        let flagged = below_space | equals(b'"') | equals(b'\\') | del_or_high;
        if flagged != 0 {
            // Lanes after the first flagged one may be flagged falsely
            // (borrows); the first one is exact.
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .take_while(|&&b| !needs_a_look(b))
        .count()
}

/// `text` as a JSON string, escaped as serde_json escapes it and with every
/// character that acts on a display ([`crate::sanitize::acts_on_display`])
/// written as `\uXXXX`, as `SafeFormatter` writes it.
fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let run = clean_run(&bytes[at..]);
        out.extend_from_slice(&bytes[at..at + run]);
        at += run;
        let Some(&b) = bytes.get(at) else { break };
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            _ => None,
        };
        if let Some(escape) = escape {
            out.extend_from_slice(escape);
            at += 1;
            continue;
        }
        let c = text[at..].chars().next().expect("at a character boundary");
        if c < ' ' || crate::sanitize::acts_on_display(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.extend_from_slice(b"\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(b"0123456789abcdef"[usize::from((*unit >> shift) & 0xf)]);
                }
            }
        } else {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        at += c.len_utf8();
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Field, ProfileKind, Severity, Waiver};
    use crate::rule_id::RuleId;
    use proptest::prelude::*;

    fn by_serde(finding: &Finding) -> Vec<u8> {
        let mut out = Vec::new();
        super::super::write_indented(&mut out, finding, 2).unwrap();
        out
    }

    fn by_hand(finding: &Finding) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        write(&mut out, finding).then_some(out)
    }

    fn finding(text: &str, options: bool) -> Finding {
        Finding {
            rule: RuleId::MissingFallback,
            severity: Severity::Error,
            campaign: text.into(),
            variant: options.then(|| text.into()),
            profile: options.then(|| format!("p-{text}")),
            profile_kind: options.then_some(ProfileKind::Edge),
            field: Field::Body,
            message: format!("`{{{{{text}}}}}` is missing"),
            file: format!("campaigns/{text}.yaml").into(),
            line: u32::MAX,
            column: 0,
            excerpt: text.into(),
            waived: options,
            waiver: None,
            reviewed_text: "".into(),
            fix: options.then(|| {
                std::sync::Arc::new(Fix {
                    text: text.into(),
                    replace: Some(text.into()),
                    replacement: (!text.is_empty()).then(|| text.into()),
                })
            }),
        }
    }

    #[test]
    fn every_name_is_written_as_serde_writes_it() {
        let mut f = finding("a", true);
        for rule in RuleId::ALL {
            for severity in [Severity::Error, Severity::Warning, Severity::Info] {
                for field in [
                    Field::Subject,
                    Field::Preheader,
                    Field::Body,
                    Field::Audience,
                    Field::Campaign,
                ] {
                    for kind in [None, Some(ProfileKind::Sample), Some(ProfileKind::Edge)] {
                        (f.rule, f.severity, f.field, f.profile_kind) =
                            (*rule, severity, field, kind);
                        assert_eq!(by_hand(&f), Some(by_serde(&f)), "{f:?}");
                    }
                }
            }
        }
        f.fix = Some(Fix::advice("only words").into());
        assert_eq!(by_hand(&f), Some(by_serde(&f)));
        f.fix = None;
        assert_eq!(by_hand(&f), Some(by_serde(&f)));
    }

    #[test]
    fn a_waived_finding_is_left_to_serde() {
        let mut f = finding("a", true);
        f.waiver = Some(Box::new(Waiver {
            kind: "waived".into(),
            reason: "r".into(),
            reviewer: None,
            at: None,
        }));
        assert_eq!(by_hand(&f), None);
    }

    #[test]
    fn every_character_is_written_as_serde_writes_it() {
        // Every character, 64 to a text (escaping is by character: a text
        // is written as its characters are, one after the other); and some
        // at each place in an eight-byte word between printable ASCII.
        let every: Vec<char> = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        for chars in every.chunks(64) {
            let f = finding(&chars.iter().collect::<String>(), false);
            assert_eq!(by_hand(&f), Some(by_serde(&f)), "{chars:?}");
        }
        for c in [
            '\0', '\u{1f}', '"', '\\', '\u{7f}', '\u{80}', 'é', '\u{202e}', '😀', ' ', '~',
        ] {
            for at in 0..17 {
                let text = format!("{}{c}{}", "a".repeat(at), "b".repeat(16 - at));
                let f = finding(&text, true);
                assert_eq!(by_hand(&f), Some(by_serde(&f)), "{text:?}");
            }
        }
    }

    #[test]
    fn the_word_search_finds_the_first_byte_that_needs_a_look() {
        // Every byte at every place of texts of every length up to three
        // words, the last word short or whole.
        for len in 1..=24 {
            for b in 0..=255u8 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let expected = if needs_a_look(b) { at } else { len };
                    assert_eq!(clean_run(&bytes), expected, "{b:#x} at {at} of {len}");
                }
            }
        }
        assert_eq!(clean_run(b""), 0);
    }

    proptest! {
        #[test]
        fn any_text_is_written_as_serde_writes_it(
            text in any::<String>(),
            other in "[ -~\u{0}-\u{1f}\u{7f}-\u{a0}\u{2066}\u{202e}é]{0,40}",
            options in any::<bool>(),
        ) {
            for t in [&text, &other] {
                let f = finding(t, options);
                prop_assert_eq!(by_hand(&f), Some(by_serde(&f)));
            }
        }
    }
}
