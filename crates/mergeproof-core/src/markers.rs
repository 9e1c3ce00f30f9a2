//! The span markers: how a token's output is found again after rendering.
//! The analysis wraps each token in an open marker (with the token's index)
//! and a close marker; the renderer takes them out and records spans.
//!
//! The marker characters are Unicode noncharacters (U+FDD0, U+FDD1), which no
//! real text contains; profile data has them replaced on load
//! ([`neutralise_markers`]) so data can never forge a span.

use serde_json::Value;

pub(crate) const OPEN: char = '\u{FDD0}';
pub(crate) const CLOSE: char = '\u{FDD1}';
/// Token indices are carried as one character from a private-use plane.
pub(crate) const INDEX_BASE: u32 = 0xF0000;
const MAX_INDEX: u32 = 0xFFFD;

pub(crate) fn open_marker(index: u32) -> String {
    let code = INDEX_BASE + index.min(MAX_INDEX);
    let mut s = String::with_capacity(8);
    s.push(OPEN);
    s.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
    s
}

pub(crate) fn close_marker() -> String {
    CLOSE.to_string()
}

/// `text` without its markers: each open marker with its index, each close
/// marker.
pub(crate) fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            OPEN => {
                chars.next();
            }
            CLOSE => {}
            c => out.push(c),
        }
    }
    out
}

/// Replaces the marker characters in every string of a profile's data.
pub(crate) fn neutralise_markers(value: &mut Value) {
    match value {
        Value::String(s) if holds_marker(s) => {
            *s = s.replace([OPEN, CLOSE], "\u{FFFD}");
        }
        Value::Array(items) => items.iter_mut().for_each(neutralise_markers),
        Value::Object(map) => map.values_mut().for_each(neutralise_markers),
        _ => {}
    }
}

/// Whether `s` holds a marker character: what [`neutralise_markers`]
/// changes in a string.
pub(crate) fn holds_marker(s: &str) -> bool {
    // Both markers start with one byte, found by memchr: a search for
    // either character decodes every character of every value.
    memchr::memchr(MARKER_LEAD, s.as_bytes()).is_some() && s.contains([OPEN, CLOSE])
}

/// The first byte of both markers in UTF-8.
pub(crate) const MARKER_LEAD: u8 = 0xEF;
