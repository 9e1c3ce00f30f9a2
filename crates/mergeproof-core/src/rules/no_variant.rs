//! `no-variant`: a profile matches no variant's audience and the campaign has
//! no catch-all, so it would be sent nothing (or, depending on the sending
//! platform, something nobody wrote for it).
//!
//! One finding per profile, located at the campaign's last variant: that is
//! where a catch-all belongs. The excerpt shows the profile's values for the
//! fields the audiences read, which is what a reviewer needs to see why
//! nothing matched.

use crate::audience::value_at;
use crate::finding::{Field, Severity};

use crate::rule_id::RuleId;

use super::{CampaignContext, Draft, Rule, RuleDoc};

pub(super) struct NoVariant;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::NoVariant,
    default_severity: Severity::Error,
    summary: "A profile matches no variant's audience and the campaign has no catch-all.",
    why: "A campaign with only a Gold and a Platinum variant says nothing to everyone else. Depending on the platform they get no email, an empty one, or the first variant by default: all three are decisions nobody made.",
    example: "variants:\n  - id: platinum\n    audience: { field: loyalty.tier, eq: platinum }\n  - id: gold\n    audience: { field: loyalty.tier, eq: gold }\nprofile: { loyalty: { tier: silver } }",
    fix: "Add a last variant without `audience` (the catch-all, usually the control), or widen an audience to take these profiles.",
    fix_in: None,
    accept: "When excluding these profiles is the point (a members-only send), add to the last variant:\n  allow:\n    - { rule: no-variant, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

/// How many audience fields the excerpt shows.
const FIELDS_SHOWN: usize = 3;

impl Rule for NoVariant {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_campaign(&self, cx: &CampaignContext<'_>, out: &mut Vec<Draft>) {
        let variants = &cx.campaign.campaign.variants;
        let Some(last) = variants.last() else {
            return;
        };
        if variants.iter().any(|v| v.is_catch_all()) {
            return;
        }
        let mut fields: Vec<&str> = Vec::new();
        for leaf in variants
            .iter()
            .filter_map(|v| v.audience.as_ref())
            .flat_map(|a| a.leaves())
        {
            if !fields.contains(&leaf.field.as_str()) && fields.len() < FIELDS_SHOWN {
                fields.push(&leaf.field);
            }
        }
        for (profile, selected) in cx.profiles.iter().zip(cx.selection) {
            if selected.is_some() {
                continue;
            }
            let shown: Vec<String> = fields
                .iter()
                .map(|f| match value_at(&profile.data, f) {
                    Some(v) => format!("{f}: {v}"),
                    None => format!("{f}: (missing)"),
                })
                .collect();
            let mut draft = cx.draft(
                DOC.id,
                Field::Audience,
                "this profile matches no variant's audience and the campaign has no catch-all: it would be sent nothing".into(),
                last.loc.clone(),
            );
            draft.excerpt = shown.join(", ");
            draft.reviewed_text = format!("{}\n{}", draft.message, draft.excerpt).into();
            draft.profile = Some(profile.clone());
            out.push(draft);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::check_campaign_with;

    const VIP: &str = "variants:\n  - id: platinum\n    audience: { field: loyalty.tier, eq: platinum }\n    subject: a\n    body: a\n  - id: gold\n    audience: { field: loyalty.tier, eq: gold }\n    subject: b\n    body: b\n";

    #[test]
    fn fires_once_per_profile_that_matches_nothing() {
        let f = check_campaign_with(
            "no-variant",
            VIP,
            &[
                "loyalty: { tier: gold }",
                "loyalty: { tier: silver }",
                "first_name: Tomasz",
            ],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].profile.as_ref().unwrap().id, "p1");
        assert_eq!(f[1].profile.as_ref().unwrap().id, "p2");
        assert!(
            f.iter()
                .all(|d| d.variant.is_none() && d.field == Field::Audience)
        );
        assert_eq!(f[0].excerpt, "loyalty.tier: \"silver\"");
        assert_eq!(f[1].excerpt, "loyalty.tier: (missing)");
        // At the last variant, where the catch-all goes.
        assert_eq!(f[0].loc.line, 6);
    }

    #[test]
    fn does_not_fire_with_a_catch_all_or_when_everyone_matches() {
        let with_catch_all = format!("{VIP}  - id: rest\n    subject: c\n    body: c\n");
        assert!(check_campaign_with("no-variant", &with_catch_all, &["x: 1"]).is_empty());
        assert!(check_campaign_with("no-variant", VIP, &["loyalty: { tier: gold }"]).is_empty());
    }
}
