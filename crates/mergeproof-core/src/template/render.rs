//! Render: run a marked template for a profile, then take the markers out
//! ([`crate::markers`]), keeping for each token the span of output it produced.

use crate::markers::{CLOSE, INDEX_BASE, MARKER_LEAD, OPEN};

/// A part of the output that a token produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSpan {
    /// Byte range in `RenderedText::text`.
    pub start: usize,
    pub end: usize,
    /// The token's index in its template's analysis.
    pub token: u32,
}

/// Rendered output with the spans that came from data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedText {
    pub text: String,
    pub spans: Vec<DataSpan>,
}

impl RenderedText {
    /// Whether data printed any of `range` (a span that overlaps it).
    pub(crate) fn holds_data_in(&self, range: &std::ops::Range<usize>) -> bool {
        self.spans
            .iter()
            .any(|s| s.start < range.end && range.start < s.end)
    }

    pub(crate) fn span_text(&self, span: &DataSpan) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// The spans a token produced (several inside `{{#each}}`).
    pub(crate) fn spans_of(&self, token: u32) -> impl Iterator<Item = &DataSpan> {
        self.spans.iter().filter(move |s| s.token == token)
    }

    /// The spans of each of a template's `tokens` tokens, found by token
    /// in one pass: [`Self::spans_of`] for each token of a template would
    /// take time in its tokens times its spans.
    pub(crate) fn spans_by_token(&self, tokens: usize) -> SpansByToken<'_> {
        // A counting sort of the spans by token, each token's in order.
        let mut starts = vec![0; tokens + 1];
        for span in self.spans.iter().filter(|s| (s.token as usize) < tokens) {
            starts[span.token as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut order = vec![0; starts[tokens]];
        for (i, span) in self.spans.iter().enumerate() {
            let token = span.token as usize;
            if token < tokens {
                order[next[token]] = i;
                next[token] += 1;
            }
        }
        SpansByToken {
            spans: &self.spans,
            order,
            starts,
        }
    }
}

/// The spans of a [`RenderedText`] grouped by token
/// ([`RenderedText::spans_by_token`]).
pub(crate) struct SpansByToken<'a> {
    spans: &'a [DataSpan],
    /// Indexes into `spans`, token by token.
    order: Vec<usize>,
    /// Where each token's indexes start in `order` (one more than tokens).
    starts: Vec<usize>,
}

impl<'a> SpansByToken<'a> {
    /// The spans `token` produced, in order (none for a token out of range).
    pub(crate) fn of(&self, token: u32) -> impl Iterator<Item = &'a DataSpan> + '_ {
        let token = token as usize;
        let range = match (self.starts.get(token), self.starts.get(token + 1)) {
            (Some(&start), Some(&end)) => start..end,
            _ => 0..0,
        };
        self.order[range].iter().map(|&i| &self.spans[i])
    }
}

/// Takes the markers out of rendered output, recording spans. Unbalanced
/// markers (cut by a tag stripper, say) are dropped without a span.
pub(crate) fn extract_spans(marked: &str) -> RenderedText {
    take_markers_out(marked, true)
}

/// What the outputs of rendered output printed, one after another, and
/// the spans over them: [`extract_spans`] without the text between
/// outputs. Each span's text and the spans' order are the same as there
/// (the text left out only moves later spans back), for what reads no more
/// than that, at a copy of the outputs rather than of the whole body.
pub(crate) fn extract_outputs(marked: &str) -> RenderedText {
    take_markers_out(marked, false)
}

fn take_markers_out(marked: &str, whole: bool) -> RenderedText {
    let mut text = String::with_capacity(if whole { marked.len() } else { 0 });
    let mut spans = Vec::new();
    let mut open: Vec<(usize, u32)> = Vec::new();
    let mut rest = marked;
    // Both markers start with this byte (U+FDD0 and U+FDD1 are EF B7 90/91),
    // which only ever starts a character: the text between is copied whole.
    while let Some(at) = memchr::memchr(MARKER_LEAD, rest.as_bytes()) {
        if whole || !open.is_empty() {
            text.push_str(&rest[..at]);
        }
        let mut chars = rest[at..].chars();
        match chars.next() {
            Some(OPEN) => {
                if let Some(index) = chars.next() {
                    open.push((text.len(), (index as u32).saturating_sub(INDEX_BASE)));
                }
            }
            Some(CLOSE) => {
                if let Some((start, token)) = open.pop() {
                    spans.push(DataSpan {
                        start,
                        end: text.len(),
                        token,
                    });
                }
            }
            Some(other) if whole || !open.is_empty() => text.push(other),
            _ => {}
        }
        rest = chars.as_str();
    }
    if whole || !open.is_empty() {
        text.push_str(rest);
    }
    spans.sort_by_key(|s| (s.start, s.end));
    RenderedText { text, spans }
}

/// A date in PHP's `date()` letters (`d/m/Y`), as Mailchimp's date tags and
/// helpers write it; other characters as they are.
pub(crate) fn php_date(format: &str, d: &jiff::civil::Date) -> String {
    let mut out = String::new();
    for c in format.chars() {
        let part = match c {
            'd' => d.strftime("%d").to_string(),
            'j' => d.day().to_string(),
            'm' => d.strftime("%m").to_string(),
            'n' => d.month().to_string(),
            'Y' => d.strftime("%Y").to_string(),
            'y' => d.strftime("%y").to_string(),
            'F' => d.strftime("%B").to_string(),
            'M' => d.strftime("%b").to_string(),
            'l' => d.strftime("%A").to_string(),
            'D' => d.strftime("%a").to_string(),
            other => other.to_string(),
        };
        out.push_str(&part);
    }
    out
}

/// Each word's first letter capitalized, the rest lowercase (`title`,
/// Mailchimp's `*|TITLE:…|*`).
pub(crate) fn title_case(s: &str) -> String {
    // ASCII (a tier, a city) changes case byte by byte.
    if s.is_ascii() {
        let mut at_word_start = true;
        let bytes = s
            .bytes()
            .map(|b| {
                let cased = if at_word_start {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                };
                at_word_start = crate::whitespace::is_ascii_space(b) || b == b'-';
                cased
            })
            .collect();
        return String::from_utf8(bytes).unwrap_or_default();
    }
    title_case_by_char(s)
}

/// [`title_case`] a character at a time, as Unicode cases each.
fn title_case_by_char(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        at_word_start = c.is_whitespace() || c == '-';
    }
    out
}

/// A decimal number written with a comma between each group of three
/// digits: `1234567.5` as `1,234,567.5`. Text that is not a number is
/// returned as it is.
pub(crate) fn group_thousands(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (whole, fraction) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_string();
    }
    let mut grouped = String::with_capacity(number.len() + whole.len() / 3);
    grouped.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = fraction {
        grouped.push('.');
        grouped.push_str(f);
    }
    grouped
}

/// An instant written as ISO 8601: with an offset, or a date and time or a
/// date alone, taken as UTC.
pub(crate) fn parse_instant(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let utc = jiff::tz::Offset::UTC;
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return utc.to_timestamp(dt).ok();
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return utc
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{DataSpan, RenderedText};

    proptest::proptest! {
        /// ASCII is title-cased byte by byte as character by character.
        #[test]
        fn ascii_titles_as_characters_title(text in "[a-zA-Z \t\u{b}\u{c}\r\n'.-]{0,12}|[a-zé ß-]{0,6}") {
            proptest::prop_assert_eq!(super::title_case(&text), super::title_case_by_char(&text));
        }
    }

    #[test]
    fn spans_by_token_are_what_spans_of_finds() {
        let span = |start, token| DataSpan {
            start,
            end: start + 1,
            token,
        };
        let text = RenderedText {
            text: "abcdefgh".into(),
            spans: vec![span(0, 2), span(1, 0), span(2, 2), span(3, 7), span(4, 0)],
        };
        let by_token = text.spans_by_token(4);
        for token in 0..9 {
            let grouped: Vec<_> = by_token.of(token).collect();
            let expected: Vec<_> = if token < 4 {
                text.spans_of(token).collect()
            } else {
                Vec::new()
            };
            assert_eq!(grouped, expected, "token {token}");
        }
        assert!(
            RenderedText::default()
                .spans_by_token(0)
                .of(0)
                .next()
                .is_none()
        );
    }

    #[test]
    fn a_cell_whose_field_fails_is_not_sent() {
        use crate::template::Outcome;
        let c = crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: \"{{first_name}}\"\n    body: \"{{> (lookup . 'layout')}}\"\n",
        );
        let cell = c.render(
            0,
            &crate::testkit::profile("first_name: Ann\nlayout: winter"),
        );
        assert_eq!(cell.outcome(), Outcome::Failed, "{cell:?}");
        let c = crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: \"{{first_name}}\"\n    body: \"Hi\"\n",
        );
        let cell = c.render(0, &crate::testkit::profile("first_name: Ann"));
        assert_eq!(cell.outcome(), Outcome::Sent);
    }

    use super::*;
    use crate::markers::{close_marker, neutralise_markers, open_marker};

    /// The first, plainer implementations, kept to check that the faster
    /// ones give the same results.
    mod reference {
        use super::super::{CLOSE, DataSpan, INDEX_BASE, OPEN, RenderedText};

        pub(super) fn extract_spans(marked: &str) -> RenderedText {
            let mut text = String::with_capacity(marked.len());
            let mut spans = Vec::new();
            let mut open: Vec<(usize, u32)> = Vec::new();
            let mut chars = marked.chars();
            while let Some(c) = chars.next() {
                match c {
                    OPEN => {
                        if let Some(index) = chars.next() {
                            open.push((text.len(), (index as u32).saturating_sub(INDEX_BASE)));
                        }
                    }
                    CLOSE => {
                        if let Some((start, token)) = open.pop() {
                            spans.push(DataSpan {
                                start,
                                end: text.len(),
                                token,
                            });
                        }
                    }
                    other => text.push(other),
                }
            }
            spans.sort_by_key(|s| (s.start, s.end));
            RenderedText { text, spans }
        }
    }

    /// Text made of the pieces that matter to the scanners, in many orders.
    fn mixtures() -> Vec<String> {
        const PIECES: &[&str] = &[
            "<p>",
            "</P>",
            "<SCRIPT>alert(1)</script>",
            "<Style>p{}</STYLE>",
            "<script>",
            "&amp;",
            "&#x41;",
            "&#66;",
            "&bogus;",
            "&",
            "&nbsp;",
            " ",
            "  ",
            "\n",
            "\t",
            "\r",
            "Zoë",
            "\u{FFFD}",
            "\u{F000}",
            "\u{FDD0}\u{F0001}",
            "\u{FDD0}\u{F0002}",
            "\u{FDD1}",
            "\u{FDD0}",
            "<td>",
            "<TH>",
            "<BR/>",
            "<",
            ">",
            "text",
            "<div class='\u{FDD0}\u{F0003}x\u{FDD1}'>",
            "</blockquote>",
            "<h7>",
            "<hr>",
            "<LI>",
            "<ä>",
            "<  p>",
            "</>",
        ];
        let mut next = crate::testkit::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut out: Vec<String> = PIECES.iter().map(|p| (*p).to_string()).collect();
        for _ in 0..3000 {
            let n = 1 + next() % 12;
            let text: String = (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            out.push(text);
        }
        out
    }

    #[test]
    fn the_scanners_agree_with_the_reference() {
        for text in mixtures() {
            assert_eq!(
                extract_spans(&text),
                reference::extract_spans(&text),
                "{text:?}"
            );
            // The HTML reader never panics on it either.
            let _ = crate::template::html::read(&text);
        }
    }

    #[test]
    fn the_outputs_alone_print_what_the_whole_prints() {
        for text in mixtures() {
            let (whole, outputs) = (extract_spans(&text), extract_outputs(&text));
            let texts = |r: &RenderedText| -> Vec<(u32, String)> {
                r.spans
                    .iter()
                    .map(|s| (s.token, r.span_text(s).to_string()))
                    .collect()
            };
            assert_eq!(texts(&outputs), texts(&whole), "{text:?}");
            assert!(outputs.text.len() <= whole.text.len(), "{text:?}");
        }
        let marked = format!(
            "<p>Hi {}Loren{}, <a href='{}x{}'>{}{}</a></p>",
            open_marker(0),
            close_marker(),
            open_marker(1),
            close_marker(),
            open_marker(2),
            close_marker()
        );
        let outputs = extract_outputs(&marked);
        assert_eq!(outputs.text, "Lorenx");
        let by_token = outputs.spans_by_token(3);
        let printed: Vec<&str> = (0..3)
            .flat_map(|t| by_token.of(t).map(|s| outputs.span_text(s)))
            .collect();
        assert_eq!(printed, ["Loren", "x", ""]);
    }

    #[test]
    fn spans_come_back_from_markers() {
        let marked = format!("Hi {}Loren{}, welcome", open_marker(3), close_marker());
        let r = extract_spans(&marked);
        assert_eq!(r.text, "Hi Loren, welcome");
        assert_eq!(
            r.spans,
            vec![DataSpan {
                start: 3,
                end: 8,
                token: 3
            }]
        );
        assert_eq!(r.span_text(&r.spans[0]), "Loren");
    }

    #[test]
    fn data_cannot_forge_markers() {
        let mut v = serde_json::json!({"name": "a\u{FDD0}b\u{FDD1}"});
        neutralise_markers(&mut v);
        assert_eq!(v["name"], "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn html_becomes_readable_text() {
        let plain = crate::template::html::read(
            "<p>Hi &amp; welcome,</p><p>O&#39;Brien<br>x</p><style>p{}</style><script>alert(1)</script>end",
        );
        assert_eq!(plain.text, "Hi & welcome,\nO'Brien\nx\nend");
    }

    #[test]
    fn a_body_read_before_is_shared_and_identical() {
        use crate::template::{BodyReads, RenderInput};
        let c = crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: \"Hi {{first_name}}\"\n    body: \"<div style='display:none'>For {{first_name}}</div><p>Hi {{default first_name 'there'}},</p><a href='https://shop.example/{{first_name}}'>Shop</a><img src='x.png' alt='{{first_name}}'>\"\n",
        );
        let reads = BodyReads::default();
        // Missing, null and empty render the same body; a name another.
        let profiles = [
            "{}",
            "first_name: null",
            "first_name: ''",
            "first_name: Ann",
        ];
        // Bodies read for the checks leave out what only a view shows.
        let for_checks = |mut cell: crate::template::RenderedCell| {
            let html = cell.body.html.take().expect("an HTML body");
            assert_eq!((html.links.len(), html.images.len()), (1, 1));
            cell.body.html = Some(Box::new(html.for_checks()));
            cell
        };
        for yaml in profiles {
            let input = RenderInput::of(&crate::testkit::profile(yaml));
            let alone = for_checks(c.render_input(0, &input, None));
            let shared = c.render_input(0, &input, Some(&reads));
            assert_eq!(shared, alone, "{yaml}");
            // A second time comes from what was kept.
            assert_eq!(c.render_input(0, &input, Some(&reads)), alone, "{yaml}");
        }
        // One skeleton: every name reads as itself where it prints.
        assert_eq!(reads.len(), 1);
        // Bodies read whole (an `&` in the name) are kept by their output;
        // past its capacity it reads without keeping: still the same cells.
        let many = BodyReads::default();
        for i in 0..BodyReads::CAPACITY + 10 {
            let input = RenderInput::of(&crate::testkit::profile(&format!("first_name: n{i}&co")));
            assert_eq!(
                c.render_input(0, &input, Some(&many)),
                for_checks(c.render_input(0, &input, None))
            );
        }
        // The whole bodies kept, and the one skeleton they share.
        assert_eq!(many.len(), BodyReads::CAPACITY + 1);
    }

    #[test]
    fn an_audits_workers_each_read_a_skeleton_for_themselves() {
        use crate::template::{BodyReads, RenderInput};
        let c = crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: \"Hi {{first_name}}\"\n    body: \"<p>Hi {{default first_name 'there'}},</p><a href='https://shop.example/{{first_name}}'>Shop</a>\"\n",
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        // Made inside the pool, as an audit makes them on its workers.
        let reads = pool.install(BodyReads::skeletons_only);
        let cells = pool.broadcast(|_| {
            ["Ann", "Bo", "Cy"].map(|name| {
                let input =
                    RenderInput::of(&crate::testkit::profile(&format!("first_name: {name}")));
                c.render_input(0, &input, Some(&reads))
            })
        });
        // The same cells on each worker, and as each body read alone.
        for (n, name) in ["Ann", "Bo", "Cy"].iter().enumerate() {
            let input = RenderInput::of(&crate::testkit::profile(&format!("first_name: {name}")));
            let mut alone = c.render_input(0, &input, None);
            let html = alone.body.html.take().expect("an HTML body");
            alone.body.html = Some(Box::new(html.for_checks()));
            assert_eq!(cells[0][n], alone, "{name}");
            assert_eq!(cells[1][n], alone, "{name}");
        }
        // One skeleton, read by each worker for itself.
        assert_eq!(reads.len(), 2);
    }

    /// A body rendered with its key followed as it is written, and the
    /// key (`None` when the walk has to make it).
    fn traced(
        c: &crate::template::CompiledCampaign,
        profile: &str,
    ) -> (String, Option<crate::template::splice::SkeletonKey>) {
        traced_with(
            c,
            profile,
            &mut crate::template::splice::KeyTrace::default(),
        )
    }

    /// [`traced`] with `trace`, as a thread keeps one from body to body.
    fn traced_with(
        c: &crate::template::CompiledCampaign,
        profile: &str,
        trace: &mut crate::template::splice::KeyTrace,
    ) -> (String, Option<crate::template::splice::SkeletonKey>) {
        let input = crate::template::RenderInput::of(&crate::testkit::profile(profile));
        let body = &c.variants[0].body;
        let mut marked = String::new();
        c.renderer
            .render_traced(&body.key, true, &input, &mut marked, trace)
            .expect("renders");
        (marked, c.renderer.traces().then(|| trace.key()).flatten())
    }

    /// A body with outputs in text, a quoted attribute, a link, a comment
    /// and unescaped, inside `if`/`else`, `each` (and `@last`) and `with`:
    /// what the key traces are tried on.
    fn traced_campaign() -> crate::template::CompiledCampaign {
        crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: s\n    body: \"<p title='{{first_name}}'>Hi {{default first_name 'there'}}</p>{{#if vip}}<b>VIP {{tier}}</b>{{else}}<i>{{tier}}</i>{{/if}}{{#each orders}}<li><a href='https://x.example/{{id}}'>{{id}}</a>{{#if @last}}.{{/if}}</li>{{/each}}{{#with home}}{{city}}{{/with}}<!-- {{first_name}} -->{{{raw}}}\"\n",
        )
    }

    #[test]
    fn keys_made_while_rendering_tell_skeletons_apart_as_the_walk_does() {
        use crate::template::splice::{skeleton, skeleton_key};
        let c = traced_campaign();
        let profiles = [
            "{}",
            "first_name: Ann",
            "first_name: Bo\ntier: gold",
            "vip: true\ntier: gold",
            "vip: true\ntier: silver\nfirst_name: Cy",
            "orders: [{id: 1}]",
            "orders: [{id: 2}]",
            "orders: [{id: 1}, {id: 2}]\nhome: {city: Oslo}",
            "home: {city: Rome}\nfirst_name: '<b>&'",
        ];
        let bodies: Vec<(String, crate::template::splice::SkeletonKey)> = profiles
            .iter()
            .map(|p| {
                let (marked, key) = traced(&c, p);
                let key = key.unwrap_or_else(|| panic!("no key for {p}"));
                // The outputs are where the walk of the text finds them.
                let walked = skeleton_key(&marked).expect("a skeleton");
                assert_eq!(key.contents, walked.contents, "{p}");
                // And print what a search of the body for markers finds.
                assert_eq!(key.outputs(&marked), extract_outputs(&marked), "{p}");
                assert_ne!(key.digest, walked.digest, "{p}");
                (marked, key)
            })
            .collect();
        let skeleton_of = |marked: &str| skeleton(marked).expect("a skeleton").text;
        for (a, (marked_a, key_a)) in bodies.iter().enumerate() {
            for (marked_b, key_b) in &bodies[a + 1..] {
                let same_skeleton = skeleton_of(marked_a) == skeleton_of(marked_b);
                // Here each skeleton is reached one way only: the same key
                // exactly when the same skeleton.
                assert_eq!(
                    key_a.digest == key_b.digest,
                    same_skeleton,
                    "{marked_a} / {marked_b}"
                );
            }
        }
        // Customers who take the same branches share the key.
        assert_eq!(bodies[1].1.digest, bodies[2].1.digest);
        assert_eq!(bodies[5].1.digest, bodies[6].1.digest);
        assert_ne!(bodies[5].1.digest, bodies[7].1.digest);
    }

    #[test]
    fn a_body_rendered_without_its_template_text_has_the_whole_bodys_key_and_outputs() {
        let c = traced_campaign();
        let profiles = [
            "{}",
            "first_name: Ann\nraw: '<b>x</b>'",
            "vip: true\ntier: gold",
            "orders: [{id: 1}, {id: 2}]\nhome: {city: Oslo}",
            "home: {city: Rome}\nfirst_name: '<b>&'",
        ];
        let mut trace = crate::template::splice::KeyTrace::default();
        for p in profiles {
            let (whole, key) = traced_with(&c, p, &mut trace);
            let key = key.unwrap_or_else(|| panic!("no key for {p}"));
            trace.leave_template_text_out(true);
            let (outputs, short_key) = traced_with(&c, p, &mut trace);
            trace.leave_template_text_out(false);
            let short_key = short_key.unwrap_or_else(|| panic!("no key for {p} without its text"));
            assert_eq!(short_key.digest, key.digest, "{p}");
            assert_eq!(short_key.outputs(&outputs), key.outputs(&whole), "{p}");
            // The template's own text was not written.
            assert!(!outputs.contains("<p title="), "{p}: {outputs}");
            assert!(!outputs.contains("<li>"), "{p}: {outputs}");
            // The trace left as it was writes the next body whole.
            assert_eq!(traced_with(&c, p, &mut trace).0, whole, "{p}");
        }
    }

    #[test]
    fn bodies_are_rendered_without_their_template_text_only_while_that_pays() {
        let c = traced_campaign();
        let reads = crate::template::BodyReads::default();
        let render = |profile: &str| {
            let input = crate::template::RenderInput::of(&crate::testkit::profile(profile));
            c.render_input(0, &input, Some(&reads))
        };
        // Nothing read yet: every body is rendered whole.
        assert!(!reads.here().outputs_only_pays());
        for i in 0..8 {
            render(&format!("first_name: N{i}"));
        }
        // One skeleton, met seven times after it was read.
        assert!(!reads.here().outputs_only_pays(), "seven bodies met it");
        render("first_name: N8");
        assert!(
            reads.here().outputs_only_pays(),
            "eight bodies met it, one missed"
        );
        // A skeleton of its own is a miss: one body in nine may miss.
        render("{vip: true, tier: gold}");
        assert!(!reads.here().outputs_only_pays(), "two missed, eight met");
        for _ in 0..8 {
            render("{vip: true, tier: silver}");
        }
        assert!(reads.here().outputs_only_pays(), "two missed, sixteen met");
        let outputs_only = |profile: &str| {
            let input = crate::template::RenderInput::of(&crate::testkit::profile(profile));
            let mut outputs = String::new();
            let key = c
                .render_keyed(&c.variants[0].body, &input, &mut outputs, true)
                .expect("renders");
            reads.read_known(&outputs, key.as_ref()).is_some()
        };
        assert!(outputs_only("{vip: true, tier: bronze}"));
        // A new skeleton is counted when its body, rendered again whole,
        // is read.
        assert!(!outputs_only("{vip: true, tier: gold, orders: [{id: 1}]}"));
        assert!(reads.here().outputs_only_pays(), "counted when read");
        // A known skeleton whose outputs do not read as themselves there
        // (`&amp;` in an attribute reads as `&`) was rendered so in vain.
        assert!(!outputs_only("{vip: true, tier: gold, first_name: 'A&B'}"));
        assert!(
            !reads.here().outputs_only_pays(),
            "three missed, seventeen met"
        );
    }

    #[test]
    fn a_long_loop_gives_its_trace_up_for_the_walk() {
        let c = crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: s\n    body: \"<ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul>\"\n",
        );
        let items = |n: usize| {
            let list: Vec<String> = (0..n).map(|i| format!("'i{i}'")).collect();
            format!("items: [{}]", list.join(", "))
        };
        assert!(traced(&c, &items(100)).1.is_some());
        // Tens of thousands of pieces: the trace would outgrow the body.
        let long = items(20_000);
        assert!(traced(&c, &long).1.is_none());
        // The walk reads it as a whole reading does, and the next body is
        // traced again.
        let reads = crate::template::BodyReads::default();
        let input = crate::template::RenderInput::of(&crate::testkit::profile(&long));
        let mut alone = c.render_input(0, &input, None);
        let html = alone.body.html.take().expect("an HTML body");
        alone.body.html = Some(Box::new(html.for_checks()));
        assert_eq!(c.render_input(0, &input, Some(&reads)), alone);
        // One trace, kept from body to body as a thread keeps it: given up
        // on the long loop, it makes the next body's key again.
        let mut trace = crate::template::splice::KeyTrace::default();
        assert!(traced_with(&c, &long, &mut trace).1.is_none());
        let after = traced_with(&c, &items(3), &mut trace)
            .1
            .expect("a key after the long loop");
        assert_eq!(
            Some(after.digest),
            traced(&c, &items(3)).1.map(|k| k.digest)
        );
    }

    #[test]
    fn a_template_holding_a_marker_of_its_own_is_walked() {
        let c = crate::testkit::compiled(
            "variants:\n  - id: v\n    subject: s\n    body: \"<p>\u{FDD0} Hi {{first_name}}</p>\"\n",
        );
        assert!(traced(&c, "first_name: Ann").1.is_none());
        // And the body still reads as a whole reading does.
        let reads = crate::template::BodyReads::default();
        let input = crate::template::RenderInput::of(&crate::testkit::profile("first_name: Ann"));
        let mut alone = c.render_input(0, &input, None);
        let html = alone.body.html.take().expect("an HTML body");
        alone.body.html = Some(Box::new(html.for_checks()));
        assert_eq!(c.render_input(0, &input, Some(&reads)), alone);
    }

    fn cell(yaml: &str, profile: &str) -> crate::template::RenderedCell {
        let c = crate::testkit::compiled(yaml);
        c.render(0, &crate::testkit::profile(profile))
    }

    #[test]
    fn subjects_are_plain_text_and_bodies_are_escaped() {
        let r = cell(
            "variants:\n  - id: v\n    subject: \"{{first_name}}, hi\"\n    preheader: \"{{first_name}}\"\n    body: \"<p>Hi {{first_name}}</p>\"\n",
            "first_name: \"Zoë O'Brien & <Co>\"",
        );
        assert_eq!(
            r.subject.as_ref().unwrap().plain.text,
            "Zoë O'Brien & <Co>, hi"
        );
        assert_eq!(
            r.preheader.as_ref().unwrap().plain.text,
            "Zoë O'Brien & <Co>"
        );
        assert_eq!(
            r.body.output.text,
            "<p>Hi Zoë O&#x27;Brien &amp; &lt;Co&gt;</p>"
        );
        assert_eq!(r.body.plain.text, "Hi Zoë O'Brien & <Co>");
        let span = &r.body.plain.spans[0];
        assert_eq!(r.body.plain.span_text(span), "Zoë O'Brien & <Co>");
    }

    #[test]
    fn bodies_read_with_numbered_links_and_images() {
        let r = cell(
            "variants:\n  - id: v\n    subject: s\n    body: \"<p>See <a href='https://x.example/o/{{code}}'>your {{thing}}</a> <img src=a.png alt='{{alt}}'> now <img src=b.png></p>\"\n",
            "code: A7\nthing: picks\nalt: Linen",
        );
        let reading = r.body.reading();
        assert_eq!(
            reading.text.text,
            "See your picks [1] [image: Linen] now [image]"
        );
        let spans: Vec<&str> = reading
            .text
            .spans
            .iter()
            .map(|s| reading.text.span_text(s))
            .collect();
        assert_eq!(spans, ["picks", "Linen"]);
        assert_eq!(reading.links[0].text, "https://x.example/o/A7");
        assert_eq!(reading.links[0].span_text(&reading.links[0].spans[0]), "A7");
        assert_eq!(reading.images[1].text, "b.png");
        // The checks read the words alone.
        assert_eq!(r.body.plain.text, "See your picks now");
    }

    #[test]
    fn sms_bodies_are_not_escaped() {
        let r = cell(
            "channel: sms\nvariants:\n  - id: v\n    body: \"Hi {{first_name}} & co\"\n",
            "first_name: \"O'Brien\"",
        );
        assert!(r.subject.is_none());
        assert_eq!(r.body.output.text, "Hi O'Brien & co");
    }

    #[test]
    fn loops_record_a_span_per_item() {
        let r = cell(
            "variants:\n  - id: v\n    subject: s\n    body: \"{{#each orders}}[{{sku}}]{{/each}}\"\n",
            "orders: [{sku: A1}, {sku: ''}, {sku: C3}]",
        );
        let texts: Vec<&str> = r
            .body
            .plain
            .spans
            .iter()
            .map(|s| r.body.plain.span_text(s))
            .collect();
        assert_eq!(texts, ["A1", "", "C3"]);
    }
}
