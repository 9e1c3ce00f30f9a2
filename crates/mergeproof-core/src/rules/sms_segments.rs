//! `sms-segments`: an SMS whose personalized text, for this profile, needs
//! more parts than the same message for the campaign's shortest sample: past
//! a segment boundary, or switched from GSM-7 to UCS-2 by one character
//! outside the GSM-7 alphabet (an emoji, "ë", a curly quote from data).
//! Every part is billed: the send to this profile costs more.
//!
//! Counting follows 3GPP TS 23.038 and the carriers' concatenation limits:
//! GSM-7 holds 160 septets in one part and 153 a part when split, a
//! character of the extension table (`^ { } \ [ ] ~ | €` and form feed)
//! taking two; UCS-2 holds 70 UTF-16 units in one part and 67 a part. The
//! shortest sample is the sample profile receiving the variant whose message
//! needs the fewest parts; a variant no sample receives is measured against
//! its own text with every token printing nothing.

use crate::finding::{Field, Fix, Severity};
use crate::project::{Channel, ProfileRef};
use crate::rule_id::RuleId;
use crate::template::{CompiledCampaign, RenderedText};

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct SmsSegments;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::SmsSegments,
    default_severity: Severity::Warning,
    summary: "An SMS needs more parts for this profile than for the campaign's shortest sample: past 160 characters (153 a part), or switched to UCS-2 (70, then 67 a part) by a character outside GSM-7.",
    why: "Carriers bill every part. One \"ë\" or emoji in a name switches the whole message to UCS-2, where 70 characters fit instead of 160: a one-part reminder becomes three parts, for every customer with such a name, and nobody sees it in the preview written with plain names.",
    example: "channel: sms\nbody: \"Hi {{first_name}}, your order is ready for pickup at the Alder Street store until 8pm today. Reply STOP to opt out.\"\nprofile: { first_name: Zoë }\nrenders: 2 parts in UCS-2 (\"ë\" is outside GSM-7), where the samples need 1",
    fix: "Keep the SMS short enough for the longest name you send to (under 140 GSM-7 characters leaves room), and print names transliterated to GSM-7 where your platform offers it; or accept the cost with a reason.",
    fix_in: None,
    accept: "When the extra part is worth it, add to the variant:\n  allow:\n    - { rule: sms-segments, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

/// The GSM 03.38 basic alphabet (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table (two septets each: an escape and the character).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// How an SMS text is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segments {
    pub parts: usize,
    /// `None` for GSM-7; for UCS-2, the first character outside GSM-7.
    pub ucs2_because: Option<char>,
}

impl Segments {
    pub(crate) fn of(text: &str) -> Segments {
        let mut septets = 0;
        let mut ucs2_because = None;
        for c in text.chars() {
            if GSM7_BASIC.contains(c) {
                septets += 1;
            } else if GSM7_EXTENSION.contains(c) {
                septets += 2;
            } else {
                ucs2_because = Some(c);
                break;
            }
        }
        let parts = match ucs2_because {
            None => parts(septets, 160, 153),
            Some(_) => parts(text.encode_utf16().count(), 70, 67),
        };
        Segments {
            parts,
            ucs2_because,
        }
    }

    fn encoding(&self) -> &'static str {
        if self.ucs2_because.is_some() {
            "UCS-2"
        } else {
            "GSM-7"
        }
    }
}

fn parts(units: usize, single: usize, each: usize) -> usize {
    if units <= single {
        1
    } else {
        units.div_ceil(each)
    }
}

/// For each variant of an SMS campaign, what its shortest sample needs:
/// the least parts among the sample profiles that receive it.
pub(crate) fn baselines(
    compiled: &CompiledCampaign,
    samples: &[ProfileRef],
) -> Vec<Option<Segments>> {
    let mut least: Vec<Option<Segments>> = vec![None; compiled.variants.len()];
    if compiled.campaign.channel != Channel::Sms {
        return least;
    }
    for sample in samples {
        let Some(vi) = crate::select::select(&compiled.campaign, sample) else {
            continue;
        };
        let cell = compiled.render(vi, sample);
        if cell.body.error.is_some() {
            continue;
        }
        let needed = Segments::of(&cell.body.plain.text);
        if least[vi].is_none_or(|l| needed.parts < l.parts) {
            least[vi] = Some(needed);
        }
    }
    least
}

/// The text with every token's output taken out: the message as the
/// template writes it.
fn without_data(text: &RenderedText) -> String {
    let mut out = String::with_capacity(text.text.len());
    let mut at = 0;
    for span in &text.spans {
        if span.start >= at {
            out.push_str(&text.text[at..span.start]);
            at = span.end;
        }
    }
    out.push_str(&text.text[at.min(text.text.len())..]);
    out
}

impl Rule for SmsSegments {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        if cx.campaign.campaign.channel != Channel::Sms || cx.cell.body.error.is_some() {
            return;
        }
        let body = &cx.cell.body.plain;
        let needed = Segments::of(&body.text);
        let baseline = cx
            .sms_baseline
            .unwrap_or_else(|| Segments::of(&without_data(body)));
        if needed.parts <= baseline.parts {
            return;
        }
        // The token that printed the character, else the first one.
        let culprit = needed
            .ucs2_because
            .and_then(|c| body.spans.iter().find(|s| body.span_text(s).contains(c)));
        let span = culprit.or(body.spans.first());
        let token = span.and_then(|s| cx.compiled.body.token(s.token));
        let loc = token.map_or_else(|| cx.compiled.body.source.start(), |t| t.loc.clone());
        out.push(cx.draft(DOC.id, Field::Body, loc, || {
            let why = match needed.ucs2_because {
                Some(c) if baseline.ucs2_because.is_none() => format!(
                    " in UCS-2: {} is outside the GSM-7 alphabet and switches the whole message",
                    shown(c)
                ),
                _ => format!(" in {}", needed.encoding()),
            };
            let message = format!(
                "this SMS needs {} parts{why}, where the campaign's shortest sample needs {}: every send to this profile costs {}× as much",
                needed.parts, baseline.parts, needed.parts
            );
            let (start, end) = span.map_or((0, 0), |s| (s.start, s.end));
            let fix = match (needed.ucs2_because, token) {
                (Some(c), Some(t)) if baseline.ucs2_because.is_none() => Fix::advice(format!(
                    "{} comes from data through `{}`: print it transliterated to GSM-7 where your platform offers it, clean the field at the source, or accept the cost with a reason.",
                    shown(c),
                    t.expression
                )),
                _ => Fix::advice(format!(
                    "Shorten the message so it fits {} with the longest value you send (GSM-7: 160 characters, 153 a part), or accept the cost with a reason.",
                    if baseline.parts == 1 {
                        "one part".to_string()
                    } else {
                        format!("{} parts", baseline.parts)
                    }
                )),
            };
            Words::new(message, excerpt(&body.text, start, end, 24)).with_fix(Some(fix))
        }));
    }
}

/// A character as a message can show it: "ë" (U+00EB).
fn shown(c: char) -> String {
    let visible = crate::sanitize::visible(&c.to_string());
    format!("\"{visible}\" (U+{:04X})", c as u32)
}

#[cfg(test)]
mod tests {
    use super::Segments;
    use crate::testkit::check_cell_with;

    #[test]
    fn counts_parts_as_carriers_bill_them() {
        assert_eq!(Segments::of(&"a".repeat(160)).parts, 1);
        assert_eq!(Segments::of(&"a".repeat(161)).parts, 2);
        assert_eq!(Segments::of(&"a".repeat(306)).parts, 2);
        assert_eq!(Segments::of(&"a".repeat(307)).parts, 3);
        // The extension table takes two septets.
        assert_eq!(Segments::of(&"€".repeat(80)).parts, 1);
        assert_eq!(Segments::of(&"€".repeat(81)).parts, 2);
        let zoe = Segments::of(&format!("Hi Zoë{}", "a".repeat(64)));
        assert_eq!(zoe.ucs2_because, Some('ë'));
        assert_eq!(zoe.parts, 1);
        assert_eq!(Segments::of(&format!("Hi Zoë{}", "a".repeat(65))).parts, 2);
        // An emoji is two UTF-16 units.
        assert_eq!(Segments::of(&format!("🎉{}", "a".repeat(68))).parts, 1);
        assert_eq!(Segments::of(&format!("🎉{}", "a".repeat(69))).parts, 2);
    }

    const SMS: &str = "channel: sms\nvariants:\n  - id: all\n    body: \"Hi {{first_name}}, your order is ready for pickup at the Alder Street store until 8pm today. Reply STOP to opt out.\"\n";

    #[test]
    fn fires_when_a_name_switches_the_message_to_ucs2() {
        for dialect in crate::dialect::Dialect::names() {
            let campaign = format!(
                "dialect: {dialect}\n{}",
                crate::testkit::fields_in(dialect, SMS)
            );
            for name in ["Zoë", "Ana 🎉", "Anaʼs"] {
                let f = check_cell_with(
                    "sms-segments",
                    &campaign,
                    &format!("first_name: \"{name}\""),
                );
                assert_eq!(f.len(), 1, "{dialect} {name}: {f:?}");
                assert!(f[0].message.contains("UCS-2"), "{}", f[0].message);
                assert!(f[0].message.contains("needs 2 parts"), "{}", f[0].message);
            }
            assert!(check_cell_with("sms-segments", &campaign, "first_name: Ana").is_empty());
        }
    }

    #[test]
    fn fires_when_a_long_name_passes_a_boundary() {
        let f = check_cell_with(
            "sms-segments",
            SMS,
            &format!("first_name: {}", "A".repeat(60)),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("GSM-7"), "{}", f[0].message);
    }

    #[test]
    fn does_not_fire_within_the_parts_or_outside_sms() {
        for name in ["Ana", "Zoé", "Ñuñez"] {
            assert!(
                check_cell_with("sms-segments", SMS, &format!("first_name: {name}")).is_empty(),
                "{name}"
            );
        }
        let email = SMS
            .replace("channel: sms\n", "")
            .replace("    body:", "    subject: Hi\n    body:");
        assert!(check_cell_with("sms-segments", &email, "first_name: Zoë").is_empty());
    }
}
