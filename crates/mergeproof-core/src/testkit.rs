//! Small builders for unit tests: a campaign or a profile from YAML text, and
//! a whole project in a temporary folder.

#![allow(dead_code)]

use std::path::Path;

use crate::finding::ProfileKind;
use crate::project::{Campaign, Profile};
use crate::source::SourceLoc;

/// A campaign parsed from YAML (as `campaigns/test.yaml`); panics on errors,
/// which is what a test wants.
pub(crate) fn campaign(yaml: &str) -> Campaign {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("campaigns")).unwrap();
    std::fs::write(dir.path().join("campaigns/test.yaml"), yaml).unwrap();
    crate::project::campaign::load_campaign(
        crate::project::ProjectFiles::Folder(dir.path()),
        Path::new("campaigns/test.yaml"),
        &crate::config::Config::default(),
    )
    .unwrap_or_else(|e| panic!("campaign does not load: {e:?}"))
}

/// A sample profile from YAML text (a mapping), with id `p`.
pub(crate) fn profile(yaml: &str) -> Profile {
    named_profile("p", yaml)
}

pub(crate) fn named_profile(id: &str, yaml: &str) -> Profile {
    let data: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
    Profile::from_data(
        id.into(),
        data,
        ProfileKind::Sample,
        SourceLoc::new("sample-profiles/p.yaml", 1, 1),
    )
}

/// Writes files into a fresh project folder: `[("campaigns/a.yaml", "...")]`.
pub(crate) fn project_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("campaigns")).unwrap();
    std::fs::create_dir_all(dir.path().join("sample-profiles")).unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

/// Compiles a campaign (no partials), selects the variant `profile_yaml`
/// receives and runs one rule's cell check on it.
pub(crate) fn check_cell_with(
    rule_id: &str,
    campaign_yaml: &str,
    profile_yaml: &str,
) -> Vec<crate::rules::Draft> {
    check_cell_with_config(
        rule_id,
        campaign_yaml,
        profile_yaml,
        &crate::config::Config::default(),
    )
}

pub(crate) fn check_cell_with_config(
    rule_id: &str,
    campaign_yaml: &str,
    profile_yaml: &str,
    config: &crate::config::Config,
) -> Vec<crate::rules::Draft> {
    let compiled = compiled(campaign_yaml);
    let p = profile(profile_yaml);
    let Some(variant_index) = crate::select::select(&compiled.campaign, &p) else {
        return Vec::new();
    };
    let cell = compiled.render(variant_index, &p);
    let cx = crate::rules::CellContext {
        config,
        campaign: &compiled,
        facts: &Default::default(),
        variant: &compiled.campaign.variants[variant_index],
        compiled: &compiled.variants[variant_index],
        profile: &p,
        cell: &cell,
        reviewed_texts: Default::default(),
        sms_baseline: None,
    };
    let rule = crate::rules::find_rule(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    let mut out = Vec::new();
    rule.check_cell(&cx, &mut out);
    out
}

/// A campaign compiled without partials; panics on errors.
pub(crate) fn compiled(campaign_yaml: &str) -> crate::template::CompiledCampaign {
    let partials = std::collections::BTreeMap::new();
    let (compiled_partials, _) = crate::template::compile_partials(&partials, Default::default());
    let declared = crate::dialect::DeclaredHelpers::new();
    let campaign = campaign(campaign_yaml);
    let merge_fields = crate::dialect::MergeFields::default();
    let dialect = crate::dialect::TemplateDialect {
        dialect: campaign.dialect.unwrap_or_default(),
        declared: &declared,
        merge_fields: &merge_fields,
    };
    crate::template::compile_campaign(campaign, &compiled_partials, dialect)
        .unwrap_or_else(|e| panic!("campaign does not compile: {e:?}"))
}

/// Runs one rule's campaign check with the given sample profiles (and no probes).
pub(crate) fn check_campaign_with(
    rule_id: &str,
    campaign_yaml: &str,
    profiles: &[&str],
) -> Vec<crate::rules::Draft> {
    check_campaign_with_probes(rule_id, campaign_yaml, &named_profiles("p", profiles), &[])
}

/// Profiles from YAML texts, named `{prefix}0`, `{prefix}1`, ….
pub(crate) fn named_profiles(prefix: &str, yamls: &[&str]) -> Vec<crate::project::ProfileRef> {
    yamls
        .iter()
        .enumerate()
        .map(|(i, y)| std::sync::Arc::new(named_profile(&format!("{prefix}{i}"), y)))
        .collect()
}

/// Runs one rule's campaign check with these profiles (samples or edge cases)
/// and probes; each receives the variant `select` gives it.
pub(crate) fn check_campaign_with_probes(
    rule_id: &str,
    campaign_yaml: &str,
    profiles: &[crate::project::ProfileRef],
    probes: &[crate::project::ProfileRef],
) -> Vec<crate::rules::Draft> {
    let compiled = compiled(campaign_yaml);
    let select = |list: &[crate::project::ProfileRef]| -> Vec<Option<usize>> {
        list.iter()
            .map(|p| crate::select::select(&compiled.campaign, p))
            .collect()
    };
    let selection = select(profiles);
    let probes = probes.iter().cloned().zip(select(probes)).collect();
    let cx = crate::rules::CampaignContext {
        campaign: &compiled,
        profiles,
        selection: &selection,
        probes: crate::rules::Probes::given(probes),
        reach: Default::default(),
    };
    let rule = crate::rules::find_rule(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    let mut out = Vec::new();
    rule.check_campaign(&cx, &mut out);
    out
}

/// A synthesized profile (an edge case or a probe) from YAML text.
pub(crate) fn edge_profile(id: &str, yaml: &str) -> crate::project::ProfileRef {
    std::sync::Arc::new(Profile {
        kind: ProfileKind::Edge,
        ..named_profile(id, yaml)
    })
}

/// A one-variant campaign in `dialect`, subject "Hi".
pub(crate) fn in_dialect(dialect: &str, body: &str) -> String {
    format!(
        "dialect: {dialect}\n{}",
        one_variant("Hi", &fields_in(dialect, body))
    )
}

/// `text` with its `{{field}}`s written as `dialect` writes a field: as
/// they are, but Mailchimp's `*|field|*`.
pub(crate) fn fields_in(dialect: &str, text: &str) -> String {
    if dialect == "mailchimp" {
        text.replace("{{", "*|").replace("}}", "|*")
    } else {
        text.to_string()
    }
}

/// A campaign of one catch-all variant with this subject and body, as YAML.
pub(crate) fn one_variant(subject: &str, body: &str) -> String {
    format!(
        "variants:\n  - id: only\n    subject: {}\n    body: {}\n",
        serde_json::to_string(subject).unwrap(),
        serde_json::to_string(body).unwrap()
    )
}

/// A seeded xorshift generator: the same numbers on every run, for tests
/// that mix many inputs without a property-testing crate's shrinking.
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// The configuration of the crate's property tests: 256 cases, or
/// `MERGEPROOF_PROPERTY_CASES` (rare failures show only at high counts),
/// and no file of failures left in the working tree.
pub(crate) fn property_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: std::env::var("MERGEPROOF_PROPERTY_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
