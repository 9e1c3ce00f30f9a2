//! `subject-truncation`: the personalized subject is longer than a mail client
//! shows, and personalization is what pushed text past the cut.
//!
//! A client cuts a subject at its visible length (`clients` in
//! mergeproof.yaml). Personalization is to blame when the subject without the
//! text that came from data would fit, or when data starts before the cut (it
//! pushed the words after it further out). A subject that is too long with no
//! data in it, or whose data all sits past the cut, is the copywriter's
//! choice, not a personalization defect.
//!
//! Length is counted in Unicode scalar values (`chars()`): a letter written
//! with a combining accent counts as two, as some clients count it.

use crate::finding::{Field, Severity};

use super::text::{byte_at_char, char_len};
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words};

pub(super) struct SubjectTruncation;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::SubjectTruncation,
    default_severity: Severity::Warning,
    summary: "The rendered subject is longer than a client's visible length and personalization pushed text past the cut.",
    why: "A name at the front of the subject pushes the offer to the end, and on a phone the end is cut: \"Loren, your gold picks: extra 30% off lin…\". The longer the customer's name, the less of the offer they see.",
    example: "subject: \"{{first_name}}, your gold picks: extra 30% off linen\"\nprofile: { first_name: Loren }\nrenders 43 characters; iPhone Mail shows 41, the Gmail app 40",
    fix: "Shorten the copy so that the subject still fits with a long name, or move the name to the preheader or the greeting. Putting the offer before the name keeps the offer in view, but a name cut in half is still flagged. The widths are `clients` in mergeproof.yaml.",
    fix_in: None,
    accept: "When the cut is acceptable (the words past it are a bonus), add to the variant:\n  allow:\n    - { rule: subject-truncation, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

/// Characters shown either side of the cut in the excerpt.
const AROUND_CUT: usize = 24;

impl Rule for SubjectTruncation {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let (Some(template), Some(rendered)) = (&cx.compiled.subject, &cx.cell.subject) else {
            return;
        };
        if rendered.error.is_some() {
            return;
        }
        let subject = &rendered.plain;
        let text = &subject.text;
        let data: Vec<_> = subject.spans.iter().filter(|s| s.end > s.start).collect();
        let Some(first_data) = data.first() else {
            return;
        };
        let total = char_len(text);
        // Spans never overlap: each is one token's output.
        let from_data: usize = data.iter().map(|s| char_len(subject.span_text(s))).sum();
        let without_data = total.saturating_sub(from_data);

        let mut cuts: Vec<(&str, usize, usize)> = Vec::new();
        for (client, width) in &cx.config.clients {
            if total <= *width {
                continue;
            }
            let cut = byte_at_char(text, *width);
            if without_data <= *width || first_data.start < cut {
                cuts.push((client, *width, cut));
            }
        }
        let Some(&(_, _, narrowest)) = cuts.iter().min_by_key(|(_, width, _)| *width) else {
            return;
        };
        let loc = template
            .token(first_data.token)
            .map_or_else(|| template.source.start(), |t| t.loc.clone());
        out.push(cx.draft(DOC.id, Field::Subject, loc, || {
            // Most cells of a campaign with long subjects get this finding:
            // its words are put together piece by piece, which costs a
            // fraction of `format!`'s.
            let hidden = &text[narrowest..];
            let mut number = itoa::Buffer::new();
            let mut message = String::with_capacity(96 + 16 * cuts.len() + hidden.len());
            message.push_str("personalization makes the subject ");
            message.push_str(number.format(total));
            message.push_str(" characters (");
            message.push_str(number.format(without_data));
            message.push_str(" without data) and ");
            for (i, (client, width, _)) in cuts.iter().enumerate() {
                if i > 0 {
                    message.push_str(", ");
                }
                message.push_str(client);
                message.push_str(" (");
                message.push_str(number.format(*width));
                message.push(')');
            }
            message.push_str(" cut it: \"");
            message.push_str(hidden);
            message.push_str("\" is not shown");
            Words::new(message, cut_excerpt(text, narrowest))
        }));
    }
}

/// The text either side of the cut, with the cut marked.
fn cut_excerpt(text: &str, cut: usize) -> String {
    let (start, end) = super::text::excerpt_window(text, cut, cut, AROUND_CUT);
    // The mark is no white space: trimming the excerpt trims its ends.
    let (before, after) = (text[start..cut].trim_start(), text[cut..end].trim_end());
    let mut excerpt = String::with_capacity(before.len() + '✂'.len_utf8() + after.len());
    excerpt.push_str(before);
    excerpt.push('✂');
    excerpt.push_str(after);
    excerpt
}

#[cfg(test)]
mod tests {
    use crate::testkit::check_cell_with;

    proptest::proptest! {
        /// The excerpt is the 24 characters either side of the cut, with
        /// the mark between them, trimmed.
        #[test]
        fn the_excerpt_is_the_characters_around_the_cut(
            text in "[a \té✂😀]{0,60}",
            pick in 0usize..80,
        ) {
            let mut cut = pick.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let before: String = {
                let mut chars: Vec<char> = text[..cut].chars().rev().take(super::AROUND_CUT).collect();
                chars.reverse();
                chars.into_iter().collect()
            };
            let after: String = text[cut..].chars().take(super::AROUND_CUT).collect();
            let expected = format!("{before}✂{after}").trim().to_string();
            proptest::prop_assert_eq!(super::cut_excerpt(&text, cut), expected);
        }
    }

    const GOLD: &str = "variants:\n  - id: gold\n    subject: \"{{first_name}}, your gold picks: extra 30% off linen\"\n    body: x\n";

    #[test]
    fn fires_when_a_name_pushes_the_offer_past_the_cut() {
        let f = check_cell_with("subject-truncation", GOLD, "first_name: Loren");
        assert_eq!(f.len(), 1, "{f:?}");
        let m = &f[0].message;
        assert!(m.contains("43 characters (38 without data)"), "{m}");
        assert!(m.contains("iphone-mail (41), gmail-app (40)"), "{m}");
        assert!(!m.contains("gmail-web"), "{m}");
        assert_eq!(f[0].excerpt, "picks: extra 30% off li✂nen");
        assert_eq!((f[0].loc.line, f[0].loc.column), (3, 15));
    }

    #[test]
    fn counts_characters_not_bytes() {
        // "Zoë, …" is 41 characters (42 bytes): only the Gmail app cuts it.
        let f = check_cell_with("subject-truncation", GOLD, "first_name: Zoë");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("gmail-app (40) cut"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("iphone-mail"), "{}", f[0].message);
    }

    #[test]
    fn does_not_fire_when_it_fits() {
        assert!(check_cell_with("subject-truncation", GOLD, "first_name: Al").is_empty());
        assert!(check_cell_with("subject-truncation", GOLD, "last_name: Ng").is_empty());
    }

    #[test]
    fn does_not_fire_on_long_static_copy_or_data_past_the_cut() {
        let data_past_the_cut = "variants:\n  - id: a\n    subject: \"Our biggest spring clearance of the year starts today, {{first_name}}\"\n    body: x\n";
        let no_data = "variants:\n  - id: b\n    subject: \"A subject line that is simply far too long for any phone to show\"\n    body: x\n";
        for campaign in [data_past_the_cut, no_data] {
            let f = check_cell_with("subject-truncation", campaign, "first_name: Loren");
            assert!(f.is_empty(), "{campaign}: {f:?}");
        }
    }
}
