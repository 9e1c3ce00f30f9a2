//! The encodings Liquid's filters apply, as Ruby's libraries do them:
//! `CGI.escapeHTML`, `CGI.escape`, Base64, HTML stripped of its tags.

/// `CGI.escapeHTML`.
pub(super) fn escape_html(s: &str) -> String {
    crate::template::html::escape_text(s)
}

pub(super) fn escape_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut skip_to = 0;
    for (at, c) in s.char_indices() {
        if at < skip_to {
            continue;
        }
        match c {
            '&' => match entity_len(&s[at..]) {
                Some(len) => {
                    out.push_str(&s[at..at + len]);
                    skip_to = at + len;
                }
                None => out.push_str("&amp;"),
            },
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The length of the entity `text` starts with, as Liquid's `escape_once`
/// recognizes one: `&`, letters or `#` and digits, `;`.
fn entity_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix('&')?;
    let name = match body.strip_prefix('#') {
        Some(digits) => 1 + digits.bytes().take_while(u8::is_ascii_digit).count(),
        None => body.bytes().take_while(u8::is_ascii_alphabetic).count(),
    };
    let named = if body.starts_with('#') {
        name > 1
    } else {
        name > 0
    };
    (named && body[name..].starts_with(';')).then_some(name + 2)
}

pub(super) fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A path as a URL holds it: spaces and quotes percent-encoded.
pub(crate) fn url_path(s: &str) -> String {
    percent_encode(s, true)
}

/// JavaScript's `encodeURI` (`keep_reserved`) or `encodeURIComponent`.
pub(crate) fn percent_encode(s: &str, keep_reserved: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b);
        let reserved = b";,/?:@&=+$#".contains(&b);
        if unreserved || (keep_reserved && reserved) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Liquid's `strip_html`: scripts, styles and comments go whole
/// (`<script.*?</script>`, case-sensitive as Ruby's), then every `<…>`; a
/// `<` that never closes stays.
pub(super) fn strip_html(s: &str) -> String {
    let mut kept = String::with_capacity(s.len());
    let mut at = 0;
    'scan: while at < s.len() {
        for (open, close) in [
            ("<script", "</script>"),
            ("<!--", "-->"),
            ("<style", "</style>"),
            ("<", ">"),
        ] {
            if s[at..].starts_with(open)
                && let Some(end) = s[at + open.len()..].find(close)
            {
                at += open.len() + end + close.len();
                continue 'scan;
            }
        }
        let next = s[at..].chars().next().map_or(1, char::len_utf8);
        kept.push_str(&s[at..at + next]);
        at += next;
    }
    kept
}

/// Ruby's `Base64.strict_encode64` and `urlsafe_encode64` (padded).
pub(super) fn base64(bytes: &[u8], url_safe: bool) -> String {
    use base64::Engine as _;
    if url_safe {
        base64::engine::general_purpose::URL_SAFE.encode(bytes)
    } else {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// Ruby's `Base64.strict_decode64` and `urlsafe_decode64` (padding optional).
pub(super) fn unbase64(s: &str, url_safe: bool) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    if url_safe {
        let config =
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
            .decode(s)
            .ok()
    } else {
        base64::engine::general_purpose::STANDARD.decode(s).ok()
    }
}
