//! `no-control`: the campaign has no unpersonalized baseline, so nobody can
//! tell whether the personalization helps.
//!
//! Fires when the campaign names no `control`, or when the control is
//! personalized: any token, block condition or partial argument in its
//! subject, preheader or body reads profile data. A control may still have an
//! audience (a holdout group): what makes it a baseline is that everyone who
//! receives it reads the same words.
//!
//! Marketing mail only: a transactional campaign (`kind: transactional`, a
//! receipt or a password reset) is sent because something happened, and no
//! unpersonalized baseline is ever wanted.

use crate::finding::{Field, Severity};
use crate::source::SourceLoc;

use crate::rule_id::RuleId;

use super::{CampaignContext, Draft, Rule, RuleDoc};

pub(super) struct NoControl;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::NoControl,
    default_severity: Severity::Warning,
    summary: "The campaign names no control variant, or the control is personalized.",
    why: "Without an unpersonalized baseline there is nothing to compare with: nobody can say whether the personalized variants earn more clicks, or whether they cost some. A control that greets people by name is not a baseline.",
    example: "id: device-launch\nvariants: [iphone, ipad, imac, everyone]   # no `control:`",
    fix: "Add `control: <variant id>` naming a variant whose subject, preheader and body read no profile data (usually the catch-all), or remove the tokens from the control.",
    fix_in: None,
    accept: "A receipt, a password reset or another message sent because something happened is `kind: transactional` in its campaign file: no-control applies to marketing only. When a baseline is measured elsewhere, add to the control variant (or to any variant, when there is no control):\n  allow:\n    - { rule: no-control, reason: \"…why…\" }",
};

impl Rule for NoControl {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_campaign(&self, cx: &CampaignContext<'_>, out: &mut Vec<Draft>) {
        let campaign = &cx.campaign.campaign;
        if campaign.kind == crate::project::campaign::Kind::Transactional {
            return;
        }
        let Some(control) = &campaign.control else {
            out.push(cx.draft(
                DOC.id,
                Field::Campaign,
                "the campaign names no `control` variant: without an unpersonalized baseline, nobody can measure what personalization earns".into(),
                SourceLoc::new(campaign.file.as_str(), 1, 1),
            ));
            return;
        };
        let Some(ci) = campaign.variants.iter().position(|v| &v.id == control) else {
            return;
        };
        let Some(compiled) = cx.campaign.variants.get(ci) else {
            return;
        };
        for template in compiled.templates() {
            let analysis = &template.analysis;
            let by_token = analysis
                .tokens
                .iter()
                .find(|t| !t.reads.is_empty())
                .map(|t| (format!("`{}`", t.expression), t.loc.clone()));
            let by_block = analysis
                .blocks
                .iter()
                .find(|b| !b.paths.is_empty())
                .map(|b| {
                    (
                        format!("`{}` on `{}`", b.written, b.paths.join("`, `")),
                        b.loc.clone(),
                    )
                });
            let by_partial = analysis
                .other_reads
                .first()
                .map(|p| (format!("a partial reading `{p}`"), template.source.start()));
            let Some((what, loc)) = by_token.or(by_block).or(by_partial) else {
                continue;
            };
            let mut draft = cx.draft(
                DOC.id,
                Field::Campaign,
                format!(
                    "the control `{control}` is personalized: its {} reads profile data through {what}, so it is no baseline",
                    template.field
                ),
                loc,
            );
            draft.variant = Some(ci);
            out.push(draft);
            return;
        }
    }
}

#[cfg(test)]
mod transactional_tests {
    use crate::testkit::check_campaign_with;

    #[test]
    fn transactional_mail_needs_no_control() {
        let receipt =
            "variants:\n  - id: a\n    subject: \"Your receipt, {{first_name}}\"\n    body: x\n";
        assert_eq!(
            check_campaign_with("no-control", receipt, &["first_name: A"]).len(),
            1
        );
        let transactional = format!("kind: transactional\n{receipt}");
        assert!(check_campaign_with("no-control", &transactional, &["first_name: A"]).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::{check_campaign_with, one_variant};

    #[test]
    fn fires_without_a_control() {
        let f = check_campaign_with(
            "no-control",
            "variants:\n  - id: a\n    subject: x\n    body: x\n",
            &["x: 1"],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Campaign);
        assert!(f[0].profile.is_none() && f[0].variant.is_none());
        assert_eq!((f[0].loc.line, f[0].loc.column), (1, 1));
    }

    #[test]
    fn fires_on_a_personalized_control() {
        for body in [
            "<p>Hi {{first_name}}</p>",
            "{{#if loyalty.points}}<p>Points!</p>{{/if}}",
        ] {
            let campaign = format!("control: only\n{}", one_variant("Hello", body));
            let f = check_campaign_with("no-control", &campaign, &["x: 1"]);
            assert_eq!(f.len(), 1, "{body}: {f:?}");
            assert_eq!(f[0].variant, Some(0));
            assert!(
                f[0].message.contains("control `only` is personalized"),
                "{}",
                f[0].message
            );
            assert_eq!(f[0].loc.line, 5);
        }
    }

    #[test]
    fn does_not_fire_for_an_unpersonalized_control() {
        let campaign = "control: plain\nvariants:\n  - id: named\n    audience: { field: first_name, exists: true }\n    subject: \"Hi {{first_name}}\"\n    body: x\n  - id: plain\n    subject: Hello\n    body: \"<p>Hello, {{default \\\"friend\\\" \\\"x\\\"}}</p>\"\n";
        let f = check_campaign_with("no-control", campaign, &["x: 1"]);
        assert!(f.is_empty(), "{f:?}");
    }
}
