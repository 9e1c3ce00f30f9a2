//! What a rule's draft comes to: one decision, which `lint`, `audit` and the
//! TUI all take, on whether a finding counts. A rule that is off in the
//! config reports nothing; an `allow:` on the variant or a
//! `{{!-- mergeproof-allow RULE: reason --}}` in its template accepts it
//! (the finding is kept, waived, with the reason). Review decisions and the
//! baseline apply after this, to findings of named profiles (`review`,
//! `baseline`).

use crate::config::Config;
use crate::finding::Severity;
use crate::rule_id::RuleId;
use crate::template::CompiledCampaign;

use super::Draft;

/// How a draft is reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verdict<'a> {
    /// From the config, or the rule's default.
    pub severity: Severity,
    /// The reason of the allow that accepts it, if one does.
    pub allowed: Option<&'a str>,
}

/// A rule's severity under `config`: its own setting, else the rule's
/// default; `None` when it is off.
pub(crate) fn severity(config: &Config, rule: RuleId) -> Option<Severity> {
    config.severity_of(rule, super::rule(rule).doc().default_severity)
}

/// The verdict on `draft`; `None` when its rule is off.
pub(crate) fn verdict<'a>(
    draft: &Draft,
    compiled: &'a CompiledCampaign,
    config: &Config,
) -> Option<Verdict<'a>> {
    let severity = severity(config, draft.rule)?;
    let variant = draft.variant;
    let on_the_variant = variant
        .and_then(|v| compiled.campaign.variants.get(v))
        .and_then(|v| v.allowed(draft.rule))
        .map(|a| a.reason.as_str());
    let inline = || {
        compiled
            .variants
            .get(variant?)?
            .templates()
            .find_map(|t| {
                t.analysis
                    .allows
                    .iter()
                    .find(|a| a.accepts(draft.rule, &draft.loc))
            })
            .map(|a| a.reason.as_str())
    };
    Some(Verdict {
        severity,
        allowed: on_the_variant.or_else(inline),
    })
}
