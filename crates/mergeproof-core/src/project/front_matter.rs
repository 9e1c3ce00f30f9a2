//! `front_matter: yaml`: a template file that opens with a YAML block
//! between two `---` lines, which a build stage (Maizzle, Jekyll,
//! Assemble/Mailmason, Eleventy) reads and strips before the template is
//! rendered. The block is not part of the email, so it is left out of the
//! template; the template's lines keep their numbers in the file.

use crate::config::FrontMatter;

/// The template in `text`, and how many lines came before it.
pub(crate) fn strip(setting: FrontMatter, text: &str) -> (&str, u32) {
    match setting {
        FrontMatter::None => (text, 0),
        FrontMatter::Yaml => strip_yaml(text),
    }
}

/// A block opens with a first line that is `---` alone and ends with the next
/// line that is `---` or `...` alone; a block never closed is left in the
/// template, where its text is checked as what it then is.
fn strip_yaml(text: &str) -> (&str, u32) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = body.split_inclusive('\n');
    let Some(first) = lines.next().filter(|l| line_content(l) == "---") else {
        return (text, 0);
    };
    let mut consumed = first.len();
    let mut count = 1;
    for line in lines {
        consumed += line.len();
        count += 1;
        if matches!(line_content(line), "---" | "...") {
            return (&body[consumed..], count);
        }
    }
    (text, 0)
}

/// A line without its end (LF or CRLF) and trailing blanks.
fn line_content(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
        .trim_end_matches([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::strip;
    use crate::config::FrontMatter;

    #[test]
    fn a_leading_block_is_stripped_and_its_lines_counted() {
        let text = "---\nlayout: basic.hbs\npreheader: \"Hi {{name}}\"\n---\n<h1>Welcome, {{name}}!</h1>\n";
        assert_eq!(
            strip(FrontMatter::Yaml, text),
            ("<h1>Welcome, {{name}}!</h1>\n", 4)
        );
        let crlf = "---\r\ntitle: x\r\n...\r\nBody";
        assert_eq!(strip(FrontMatter::Yaml, crlf), ("Body", 3));
        let bom = "\u{feff}---\ntitle: x\n---\nBody";
        assert_eq!(strip(FrontMatter::Yaml, bom), ("Body", 3));
    }

    #[test]
    fn other_texts_are_left_whole() {
        for text in [
            "<p>---</p>\n---\n",
            "--- not alone\nx\n---\n",
            "---\nnever closed\n",
            "",
            "\n---\na: b\n---\nlater",
        ] {
            assert_eq!(strip(FrontMatter::Yaml, text), (text, 0), "{text:?}");
        }
        let text = "---\na: b\n---\nBody";
        assert_eq!(strip(FrontMatter::None, text), (text, 0));
    }
}
