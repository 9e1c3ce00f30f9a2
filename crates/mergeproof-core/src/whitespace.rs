//! White space as [`str::trim`] reads it, with the common case decided on
//! bytes: an output, a link or a value that starts and ends with a visible
//! ASCII character (most of them) is its own trimmed text. The checks trim
//! every output of every customer several times; `str::trim` decodes a
//! character at each end to ask Unicode.

/// `text.trim()`.
pub(crate) fn trimmed(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) if visible_ascii(first) && visible_ascii(last) => text,
        (None, _) => text,
        _ => text.trim(),
    }
}

/// `text.trim().is_empty()`.
pub(crate) fn is_blank(text: &str) -> bool {
    trimmed(text).is_empty()
}

/// An ASCII byte that is white space as `char::is_whitespace` reads it:
/// tab, line feed, vertical tab, form feed, carriage return, space
/// (`u8::is_ascii_whitespace` leaves out the vertical tab).
pub(crate) fn is_ascii_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ')
}

/// An ASCII byte that is not white space.
fn visible_ascii(byte: u8) -> bool {
    byte.is_ascii() && !is_ascii_space(byte)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn ascii_white_space_is_what_char_says() {
        for byte in 0u8..0x80 {
            assert_eq!(
                super::is_ascii_space(byte),
                char::from(byte).is_whitespace(),
                "{byte:#x}"
            );
        }
    }

    proptest! {
        #[test]
        fn trims_as_str_trims(text in "[ \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{2003}\u{3000}a-z.é€]{0,8}") {
            prop_assert_eq!(super::trimmed(&text), text.trim());
            prop_assert_eq!(super::is_blank(&text), text.trim().is_empty());
        }
    }
}
