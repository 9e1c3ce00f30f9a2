//! The encodings Liquid's filters apply, as Ruby's libraries do them:
//! `CGI.escapeHTML`, `CGI.escape`, Base64, HTML stripped of its tags.

/// `CGI.escapeHTML`.
pub(super) fn escape_html(s: &str) -> String {
    crate::template::html::escape_text(s)
}

pub(super) fn escape_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            let entity_len = rest[1..].find(';').filter(|&n| {
                n > 0
                    && n < 32
                    && (rest[1..1 + n].bytes().all(|b| b.is_ascii_alphanumeric())
                        || (rest[1..].starts_with('#')
                            && rest[2..1 + n]
                                .bytes()
                                .all(|b| b.is_ascii_hexdigit() || b == b'x')))
            });
            if let Some(n) = entity_len {
                out.push_str(&rest[..n + 2]);
                rest = &rest[n + 2..];
                continue;
            }
        }
        out.push_str(&escape_html(&c.to_string()));
        rest = &rest[c.len_utf8()..];
    }
    out
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
