//! `gender-assumption`: the variant a profile receives branches on gender or
//! addresses the reader with a gendered honorific, and the profile never
//! stated its gender (the field is missing or blank, or only an inferred value
//! exists).
//!
//! Branching means a block condition reading the gender field or the inferred
//! one (`{{#if (eq gender "male")}}`), or an audience leaf on either. The
//! honorifics are the gendered titles written before a name in English,
//! French, German and Spanish (Mr, Mrs, Ms, Mme, Mlle, Madame, Monsieur,
//! Herr, Frau, Señor, Señora, Sra., Srta.; with or without a period); the
//! ambiguous ones (Miss, Sr., M.) only before a name printed from data, so
//! "Don't Miss Out" and "Sr. Engineer" are left alone; and "sir", "madam",
//! "madame", "monsieur", "señor", "señora" as words in lower, title or upper
//! case, unless both genders appear ("Dear Sir or Madam" assumes nothing).

use crate::audience::is_blank;
use crate::finding::{Field, Severity};
use crate::template::{RenderedField, RenderedText};

use super::text::{loc_of_literal, on_word_boundaries};
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct GenderAssumption;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::GenderAssumption,
    default_severity: Severity::Warning,
    summary: "A variant branches on gender, or uses a gendered honorific (Mr., Mrs., Ms., Miss, Sir, Madam, Mme, M., Herr, Frau, Sr., Sra.), for a profile whose gender is missing or only inferred.",
    why: "Loren is a man's name and a woman's name. \"Dear Ms. Ng\" to a man who never told you his gender, or \"Dear Mr.\" chosen by a model's guess, is the kind of mistake customers reply to, and remember.",
    example: "body: \"Dear {{#if (eq gender \\\"male\\\")}}Mr.{{else}}Ms.{{/if}} {{last_name}},\"\nprofile: { first_name: Loren, last_name: Ng }   # no gender\nrenders: \"Dear Ms. Ng,\"",
    fix: "Address people without an honorific (\"Dear Loren Ng\", \"Hi Loren\"), or restrict the gendered variant to profiles that stated their gender ({ field: gender, exists: true }) and give everyone else a neutral one. The fields are `fields.gender` and `fields.gender_inferred` in mergeproof.yaml.",
    fix_in: None,
    accept: "When the wording is right for everyone it reaches, add to the variant:\n  allow:\n    - { rule: gender-assumption, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

/// When a form of address counts as addressing the reader.
#[derive(Clone, Copy, PartialEq)]
enum Before {
    /// Before a capitalised word or a value from data ("Mr Ng", "Herr {{name}}").
    AName,
    /// Only before a value from data: the word has other meanings before a
    /// capitalised word ("Don't Miss Out", "Sr. Engineer", "J. M. Smith").
    Data,
}

/// Gendered forms of address written before a name, in the languages email
/// teams send in. A trailing period is optional unless written here.
const TITLES: &[(&str, Before)] = &[
    ("Mr", Before::AName),
    ("Mrs", Before::AName),
    ("Ms", Before::AName),
    ("Mme", Before::AName),
    ("Mlle", Before::AName),
    ("Madame", Before::AName),
    ("Monsieur", Before::AName),
    ("Herr", Before::AName),
    ("Frau", Before::AName),
    ("Señor", Before::AName),
    ("Señora", Before::AName),
    ("Señorita", Before::AName),
    ("Sra", Before::AName),
    ("Srta", Before::AName),
    ("Miss", Before::Data),
    ("Sr", Before::Data),
    ("M.", Before::Data),
];

/// Forms of address used on their own ("Dear Sir,"), by the gender they
/// assume. A text with both ("Dear Sir or Madam", "Madame, Monsieur")
/// assumes nothing.
const MASCULINE_ALONE: &[&str] = &["sir", "monsieur", "señor"];
const FEMININE_ALONE: &[&str] = &["madam", "madame", "señora"];

impl Rule for GenderAssumption {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let names = &cx.config.fields;
        if !is_blank(cx.value(&names.gender)) {
            return;
        }
        // Written only for a finding: most profiles of a list have none.
        let status = || {
            if is_blank(cx.value(&names.gender_inferred)) {
                format!("this profile never stated a gender (`{}`)", names.gender)
            } else {
                format!(
                    "this profile's gender is only inferred (`{}`), never stated",
                    names.gender_inferred
                )
            }
        };
        let reads_gender = |path: &str| path == names.gender || path == names.gender_inferred;

        let mut reading_gender = None;
        if let Some(audience) = &cx.variant.audience {
            audience.for_each_leaf(&mut |leaf| {
                if reading_gender.is_none() && reads_gender(&leaf.field) {
                    reading_gender = Some(leaf);
                }
            });
        }
        if let Some(leaf) = reading_gender {
            out.push(cx.draft(DOC.id, Field::Audience, leaf.loc.clone(), || {
                Words::new(
                    format!(
                        "variant `{}` is chosen by `{}` in its audience, and {}",
                        cx.variant.id,
                        leaf.field,
                        status()
                    ),
                    String::new(),
                )
            }));
        }

        for (field, template, rendered) in cx.fields() {
            let branch = template
                .analysis
                .blocks
                .iter()
                .find(|b| b.paths.iter().any(|p| reads_gender(p)));
            let honorific = find_honorific(rendered);
            let text = &rendered.plain.text;
            let draft = match (branch, &honorific) {
                (None, None) => continue,
                (Some(b), Some(h)) => cx.draft(DOC.id, field, b.loc.clone(), || {
                    Words::new(
                        format!(
                            "the {field} picks words by `{}` ({}) and calls the reader \"{}\", but {}",
                            b.paths.join("`, `"),
                            b.written,
                            &text[h.clone()],
                            status()
                        ),
                        excerpt(text, h.start, h.end, 20),
                    )
                }),
                (Some(b), None) => cx.draft(DOC.id, field, b.loc.clone(), || {
                    Words::new(
                        format!(
                            "the {field} branches on `{}` ({}), but {}",
                            b.paths.join("`, `"),
                            b.written,
                            status()
                        ),
                        excerpt(text, 0, 0, 60),
                    )
                }),
                (None, Some(h)) => {
                    let word = &text[h.clone()];
                    cx.draft(DOC.id, field, loc_of_literal(template, word), || {
                        Words::new(
                            format!("the {field} calls the reader \"{word}\", but {}", status()),
                            excerpt(text, h.start, h.end, 20),
                        )
                    })
                }
            };
            out.push(draft);
        }
    }
}

/// Every form the rule looks for, found in one pass over the text: the
/// titles (pattern `i` is `TITLES[i]`), then each form used alone in each
/// of its spellings, masculine first.
struct Forms {
    finder: crate::template::OverlapFinder,
    /// Of the forms used alone, in the order patterns follow the titles:
    /// whether each is masculine.
    alone_masculine: Vec<bool>,
}

static FORMS: std::sync::LazyLock<Forms> = std::sync::LazyLock::new(|| {
    let mut patterns: Vec<String> = TITLES.iter().map(|(t, _)| (*t).to_string()).collect();
    let mut alone_masculine = Vec::new();
    for (words, masculine) in [(MASCULINE_ALONE, true), (FEMININE_ALONE, false)] {
        for spelled in words.iter().flat_map(|w| spellings(w)) {
            patterns.push(spelled);
            alone_masculine.push(masculine);
        }
    }
    Forms {
        // A DFA: the overlapping search runs over every body of an audit,
        // and a DFA takes one lookup per byte where the default automaton
        // follows failure links.
        finder: crate::template::OverlapFinder::build(
            aho_corasick::AhoCorasick::builder().kind(Some(aho_corasick::AhoCorasickKind::DFA)),
            &patterns,
        )
        .expect("the forms are plain words"),
        alone_masculine,
    }
});

/// Builds the automaton of the forms ([`super::prepare_in_background`]).
pub(super) fn prepare() {
    std::sync::LazyLock::force(&FORMS);
}

/// A title found at `hit` (with its period, if one follows) when it
/// addresses the reader: followed by a space, then a value from data or,
/// for most titles, a capitalised word.
fn addressing(
    rendered: &RenderedText,
    (title, before): (&str, Before),
    hit: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let text = &rendered.text;
    let with_period = !title.ends_with('.') && text[hit.end..].starts_with('.');
    let end = hit.end + usize::from(with_period);
    let rest = &text[end..];
    let gap = rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len();
    if gap == 0 {
        return None;
    }
    let name_at = end + gap;
    let starts_data = rendered.spans.iter().any(|s| s.start == name_at);
    (starts_data || (before == Before::AName && text[name_at..].starts_with(char::is_uppercase)))
        .then_some(hit.start..end)
}

/// The first gendered honorific that addresses the reader, as a byte range.
fn find_honorific(field: &RenderedField) -> Option<std::ops::Range<usize>> {
    let rendered = &field.plain;
    let text = &rendered.text;
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut consider = |range: std::ops::Range<usize>| {
        if best.as_ref().is_none_or(|b| range.start < b.start) {
            best = Some(range);
        }
    };
    // Each pattern's matches at word boundaries, overlapping ones included
    // (as a search from each match's next character finds them).
    let mut titles: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    let mut masculine: Option<(usize, std::ops::Range<usize>)> = None;
    let mut feminine: Option<(usize, std::ops::Range<usize>)> = None;
    for (pattern, hit) in field.find_overlapping(DOC.id.as_str(), &FORMS.finder) {
        if !on_word_boundaries(text, hit.start, hit.end) {
            continue;
        }
        let Some(alone) = pattern.checked_sub(TITLES.len()) else {
            titles.push((pattern, hit));
            continue;
        };
        // The first of all spellings (the first listed on a tie).
        let first = if FORMS.alone_masculine[alone] {
            &mut masculine
        } else {
            &mut feminine
        };
        if first
            .as_ref()
            .is_none_or(|(p, h)| (hit.start, alone) < (h.start, *p))
        {
            *first = Some((alone, hit));
        }
    }
    // In the order a search title by title finds them.
    titles.sort_by_key(|(pattern, hit)| (*pattern, hit.start));
    for (pattern, hit) in titles {
        if let Some(range) = addressing(rendered, TITLES[pattern], hit) {
            consider(range);
        }
    }
    // Forms used alone, in lower, title or upper case, unless the text also
    // uses one of the other gender.
    let (masculine, feminine) = (masculine.map(|(_, h)| h), feminine.map(|(_, h)| h));
    if let (Some(hit), None) | (None, Some(hit)) = (masculine, feminine) {
        consider(hit);
    }
    best
}

/// A word in lower, title and upper case.
fn spellings(word: &str) -> [String; 3] {
    let mut chars = word.chars();
    let title = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    [word.to_string(), title, word.to_uppercase()]
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::{check_cell_with, one_variant};

    /// The search the one-pass finder replaced, title by title and word by
    /// word: what it must find, on any text.
    fn honorific_word_by_word(
        rendered: &crate::template::RenderedText,
    ) -> Option<std::ops::Range<usize>> {
        use super::*;
        use crate::rules::text::word_matches;
        let text = &rendered.text;
        let mut best: Option<std::ops::Range<usize>> = None;
        let mut consider = |range: std::ops::Range<usize>| {
            if best.as_ref().is_none_or(|b| range.start < b.start) {
                best = Some(range);
            }
        };
        for &title in TITLES {
            for hit in word_matches(text, title.0) {
                if let Some(range) = addressing(rendered, title, hit) {
                    consider(range);
                }
            }
        }
        let first_of = |words: &[&str]| {
            words
                .iter()
                .flat_map(|w| spellings(w))
                .filter_map(|w| word_matches(text, &w).next())
                .min_by_key(|r| r.start)
        };
        if let (Some(hit), None) | (None, Some(hit)) =
            (first_of(MASCULINE_ALONE), first_of(FEMININE_ALONE))
        {
            consider(hit);
        }
        best
    }

    const PIECES: &[&str] = &[
        "Dear ",
        "Mr",
        "Mr.",
        "Mrs",
        "Ms.",
        "M.",
        "Mme",
        "Madame",
        "madame",
        "MADAME",
        "Monsieur",
        "monsieur",
        "Sir",
        "sir",
        "SIR",
        "Madam",
        "Señor",
        "señora",
        "Sra.",
        "Miss",
        "Sr.",
        "Herr",
        "Frau",
        " ",
        "\u{a0}",
        ",",
        ".",
        "Ng",
        "ng",
        "ann",
        "Smith",
        "or ",
        "Dear Sir or Madam",
        "Mrsx",
        "xMr",
        "Don't Miss Out",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 4096, failure_persistence: None, ..Default::default() })]

        /// One pass finds what the search title by title and word by word
        /// found, data spans included.
        #[test]
        fn one_pass_finds_what_the_word_by_word_search_found(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..12),
            data in proptest::collection::vec(0usize..12, 0..3),
        ) {
            let text = pieces.concat();
            let spans = data
                .iter()
                .filter_map(|i| {
                    let start: usize = pieces.iter().take(*i).map(|p| p.len()).sum();
                    (start < text.len()).then_some(crate::template::DataSpan { start, end: text.len(), token: 0 })
                })
                .collect();
            let rendered = crate::template::RenderedText { text, spans };
            let field = crate::template::RenderedField { plain: rendered.clone(), ..Default::default() };
            proptest::prop_assert_eq!(super::find_honorific(&field), honorific_word_by_word(&rendered));
        }
    }

    const GALA: &str = "variants:\n  - id: invite\n    subject: Your invitation\n    body: \"<p>Dear {{#if (eq gender \\\"male\\\")}}Mr.{{else}}Ms.{{/if}} {{last_name}},</p>\"\n";

    #[test]
    fn fires_on_a_gender_branch_for_a_profile_without_gender() {
        let f = check_cell_with(
            "gender-assumption",
            GALA,
            "first_name: Loren\nlast_name: Ng",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Body);
        assert!(f[0].message.contains("\"Ms.\""), "{}", f[0].message);
        assert!(f[0].message.contains("never stated"), "{}", f[0].message);
        assert_eq!(f[0].excerpt, "Dear Ms. Ng,");
        assert_eq!(f[0].loc.line, 4);
    }

    #[test]
    fn fires_when_gender_is_only_inferred() {
        let f = check_cell_with(
            "gender-assumption",
            GALA,
            "last_name: O'Brien\ngender_inferred: female",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("only inferred"), "{}", f[0].message);
    }

    #[test]
    fn fires_on_honorifics_in_plain_copy() {
        for body in [
            "<p>Dear Sir, welcome.</p>",
            "<p>Dear Mr {{last_name}},</p>",
            "<p>Good evening, madam.</p>",
            "<p>Dear Miss {{last_name}},</p>",
            "<p>Dear Madame,</p>",
            "<p>Chère Mme {{last_name}},</p>",
            "<p>Bonjour Mlle Ng,</p>",
            "<p>Bonjour M. {{last_name}},</p>",
            "<p>Sehr geehrter Herr {{last_name}},</p>",
            "<p>Sehr geehrte Frau Ng,</p>",
            "<p>Estimado Sr. {{last_name}}:</p>",
            "<p>Estimada Sra. Ng:</p>",
            "<p>Estimada señora:</p>",
            "<p>Querido Señor Ng:</p>",
            "<p>Cher Monsieur,</p>",
        ] {
            let campaign = one_variant("Hi", body);
            let f = check_cell_with("gender-assumption", &campaign, "last_name: Ng");
            assert_eq!(f.len(), 1, "{body}: {f:?}");
        }
    }

    #[test]
    fn fires_on_an_audience_that_reads_gender() {
        let campaign = "variants:\n  - id: not-men\n    audience: { field: gender, ne: male }\n    subject: Hi\n    body: x\n";
        let f = check_cell_with("gender-assumption", campaign, "last_name: Ng");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Audience);
        assert_eq!(f[0].loc.line, 3);
    }

    #[test]
    fn does_not_fire_for_a_stated_gender() {
        for gender in ["female", "male", "non-binary"] {
            let f = check_cell_with(
                "gender-assumption",
                GALA,
                &format!("last_name: Ng\ngender: {gender}"),
            );
            assert!(f.is_empty(), "{gender}: {f:?}");
        }
    }

    #[test]
    fn does_not_fire_on_neutral_copy() {
        for body in [
            "<p>Dear Sir or Madam,</p>",
            "<p>Don't Miss Out on our sale</p>",
            "<p>Dear {{first_name}} {{last_name}}, welcome</p>",
            "<p>Hi there, Loren. Sirloin on sale; MS Office too.</p>",
            "<p>Madame, Monsieur,</p>",
            "<p>Estimado señor o señora:</p>",
            "<p>Our Sr. Engineer J. M. Smith wrote this.</p>",
            "<p>Frauke and Herrmann say hello. Madameoiselle is not a word.</p>",
        ] {
            let campaign = one_variant("Hi", body);
            let f = check_cell_with(
                "gender-assumption",
                &campaign,
                "first_name: Loren\nlast_name: Ng",
            );
            assert!(f.is_empty(), "{body}: {f:?}");
        }
    }
}
