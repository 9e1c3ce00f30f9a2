//! `unescaped-data`: profile data printed with `{{{ }}}` into an HTML body,
//! where a `<`, `&` or quote in the data becomes markup.
//!
//! Reported for every profile that receives the variant and for which the
//! token rendered: the defect is in the template, but the data that would
//! break it arrives one profile at a time. Subjects, preheaders and SMS or
//! push bodies are plain text, where `{{{ }}}` escapes nothing because
//! nothing is escaped.

use crate::config::Config;
use crate::finding::{Field, Severity};
use crate::rule_id::RuleId;
use crate::template::{CompiledTemplate, Token};

use super::{CampaignChecks, CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct UnescapedData;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::UnescapedData,
    default_severity: Severity::Error,
    summary: "Profile data is emitted with {{{ }}} (no HTML escaping) into an HTML body.",
    why: "A name like `<b>O'Brien & \"Co\"</b>` or `<script>` typed into a sign-up form is inserted as markup: at best the layout breaks, at worst the email carries someone's script or a phishing link in your brand.",
    example: "body_file: templates/device-iphone.html.hbs\n  <p>{{{first_name}}}, your iPhone deserves a better desk.</p>\nprofile: { first_name: \"<a href=https://evil.example>Claim your prize</a>\" }",
    fix: "Use {{first_name}} (two braces): Handlebars escapes it. Keep {{{ }}} for trusted HTML the team writes, never for profile data.",
    fix_in: None,
    accept: "When the field holds HTML your own systems produce and sanitize, name it in mergeproof.yaml:\n  trusted_html: [footerContent, \"post.*_html\"]\nor, for one variant, add to it:\n  allow:\n    - { rule: unescaped-data, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for UnescapedData {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn reads_body_html(&self, checks: &CampaignChecks<'_>, body: &CompiledTemplate) -> bool {
        body.html && unescaped(body, checks.config).next().is_some()
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let template = &cx.compiled.body;
        if !template.html {
            return;
        }
        let body = &cx.cell.body;
        let mut unescaped = unescaped(template, cx.config).peekable();
        if unescaped.peek().is_none() {
            return;
        }
        let slots = template.analysis.tokens.len();
        let (output_spans, plain_spans) = (
            body.output.spans_by_token(slots),
            body.plain.spans_by_token(slots),
        );
        for token in unescaped {
            let Some(span) = output_spans.of(token.index).next() else {
                continue;
            };
            // Where printing unescaped is the language's norm (Liquid), the
            // data that would become markup is what is reported.
            let printed = &body.output.text[span.start..span.end];
            if !cx.campaign.dialect.table().escapes_output
                && !printed.contains(['<', '>', '&', '"'])
            {
                continue;
            }
            out.push(cx.draft(DOC.id, Field::Body, token.loc.clone(), || {
                let paths: Vec<&str> = token.reads.iter().map(|r| r.path.as_str()).collect();
                // What a reader sees, or the HTML when the data's own markup
                // swallowed the text (a `<script>` in a name).
                let shown = [(&body.plain, &plain_spans), (&body.output, &output_spans)]
                    .into_iter()
                    .find_map(|(t, spans)| {
                        let s = spans.of(token.index).next()?;
                        Some(excerpt(&t.text, s.start, s.end, 30))
                    })
                    .unwrap_or_default();
                Words::new(
                    format!(
                        "`{}` prints `{}` into the HTML body without escaping: markup in the data becomes part of the email",
                        token.expression,
                        paths.join("`, `")
                    ),
                    shown,
                )
                .with_fix(Some(super::fix::escape(cx.campaign.dialect, token)))
            }));
        }
    }
}

/// The tokens of `template` that print data without escaping it, but for
/// HTML the team's own systems build (`trusted_html:`).
fn unescaped<'a>(
    template: &'a CompiledTemplate,
    config: &'a Config,
) -> impl Iterator<Item = &'a Token> + 'a {
    template.analysis.tokens.iter().filter(|token| {
        !token.escapes_data
            && !token.reads.is_empty()
            && !token.reads.iter().all(|r| config.is_trusted_html(&r.path))
    })
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::check_cell_with;

    #[test]
    fn fires_on_triple_braces_in_an_html_body() {
        let campaign =
            "variants:\n  - id: a\n    subject: Hi\n    body: \"<p>{{{first_name}}}, hello</p>\"\n";
        let f = check_cell_with(
            "unescaped-data",
            campaign,
            "first_name: \"<b>O'Brien & Co</b>\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Body);
        assert!(
            f[0].message
                .starts_with("`{{{first_name}}}` prints `first_name`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].excerpt, "O'Brien & Co, hello");
        // Harmless data today is still unescaped data.
        assert_eq!(
            check_cell_with("unescaped-data", campaign, "first_name: Loren").len(),
            1
        );
    }

    #[test]
    fn trusted_html_is_not_unescaped_data() {
        let campaign = "variants:\n  - id: a\n    subject: Hi\n    body: \"{{{footerContent}}}{{#each posts}}{{{feature_html}}}{{/each}}{{{bio}}}\"\n";
        let profile = "footerContent: \"<p>x</p>\"\nposts: [ { feature_html: \"<b>y</b>\" } ]\nbio: \"<i>z</i>\"";
        assert_eq!(
            check_cell_with("unescaped-data", campaign, profile).len(),
            3
        );
        let config = crate::config::Config {
            trusted_html: vec!["footerContent".into(), "posts.*_html".into()],
            ..Default::default()
        };
        let f =
            crate::testkit::check_cell_with_config("unescaped-data", campaign, profile, &config);
        // The real case beside them is still found.
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("{{{bio}}}"));
    }

    #[test]
    fn fires_inside_an_attribute() {
        // A quote in the data closes the attribute: the rest becomes markup.
        let campaign = "variants:\n  - id: a\n    subject: Hi\n    body: \"<a href=\\\"{{{url}}}\\\">Track</a>\"\n";
        let f = check_cell_with(
            "unescaped-data",
            campaign,
            "url: \"https://x.example/\\\" onclick=\\\"steal()\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.starts_with("`{{{url}}}` prints `url`"));
    }

    #[test]
    fn does_not_fire_when_the_token_does_not_render() {
        let campaign = "variants:\n  - id: a\n    subject: Hi\n    body: \"{{#if first_name}}<p>{{{first_name}}}</p>{{/if}}\"\n";
        assert!(check_cell_with("unescaped-data", campaign, "last_name: Ng").is_empty());
    }

    #[test]
    fn does_not_fire_for_escaped_tokens_subjects_or_sms() {
        let escaped = "variants:\n  - id: a\n    subject: \"{{{first_name}}}, hi\"\n    preheader: \"{{{first_name}}}\"\n    body: \"<p>{{first_name}}</p>\"\n";
        assert!(check_cell_with("unescaped-data", escaped, "first_name: \"<b>\"").is_empty());
        let sms = "channel: sms\nvariants:\n  - id: a\n    body: \"Hi {{{first_name}}}\"\n";
        assert!(check_cell_with("unescaped-data", sms, "first_name: \"<b>\"").is_empty());
    }

    /// Liquid escapes nothing unless asked: an output is reported where the
    /// data it printed holds markup, with `| escape` as the fix; plain data,
    /// an escaped output and a plain-text field are not.
    #[test]
    fn liquid_outputs_are_reported_when_their_data_holds_markup() {
        let campaign = crate::testkit::in_dialect("liquid", "<p>{{ first_name }}, hello</p>");
        let f = check_cell_with(
            "unescaped-data",
            &campaign,
            "first_name: \"<b>O'Brien & Co</b>\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(
            fix.replacement.as_deref(),
            Some("{{ first_name | escape }}")
        );
        assert!(check_cell_with("unescaped-data", &campaign, "first_name: Ana").is_empty());
        let escaped =
            crate::testkit::in_dialect("liquid", "<p>{{ first_name | escape }}, hello</p>");
        let markup = "first_name: \"<b>O'Brien & Co</b>\"";
        assert!(check_cell_with("unescaped-data", &escaped, markup).is_empty());
        let sms = "dialect: liquid\nchannel: sms\nvariants:\n  - id: a\n    body: \"{{ first_name }}, hello\"\n";
        assert!(check_cell_with("unescaped-data", sms, markup).is_empty());
    }
}
