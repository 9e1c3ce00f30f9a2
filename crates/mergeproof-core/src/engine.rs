//! The engine: load → analyse → synthesize → select → render → check →
//! review. `lint` and the TUI both call it; neither holds rule logic of its own.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::dialect::TemplateDialect;
use crate::finding::{Finding, Waiver};
use crate::project::{BrokenCampaign, ProfileRef, Project};
use crate::review::Decisions;
use crate::rule_id::RuleId;
use crate::rules::{CampaignContext, Draft, ReviewedTexts};
pub use crate::run::{CampaignRun, Run};
use crate::source::LoadError;
use crate::template::{
    BodyReads, CompiledCampaign, Outcome, RenderInput, compile_campaign, compile_partials,
};

#[derive(Clone, Debug)]
pub struct Options {
    /// Synthesize edge-case profiles and report their findings.
    pub edge_cases: bool,
    /// Check only these campaigns (`lint --campaign`); every one when empty.
    pub campaigns: Vec<String>,
    /// Run only these rules (`--select`); every one the config has on when
    /// empty.
    pub select: Vec<RuleId>,
    /// Never run these rules (`--ignore`).
    pub ignore: Vec<RuleId>,
    /// Read every HTML body whole, never from the reading of its skeleton
    /// (`template::splice`): what the equivalence tests compare with.
    pub read_bodies_whole: bool,
    /// Someone may make review decisions on these findings (the TUI): every
    /// finding keeps the rendered text a decision fingerprints. Otherwise
    /// (`lint`) only the findings of cells a decision given to the run is
    /// on keep it, which is all that applying those decisions reads.
    pub for_review: bool,
    /// A view renders cells from the run after it (the TUI, the proof
    /// sheet): every campaign keeps its templates. Otherwise (`lint`'s other
    /// reports) each campaign's templates are let go once it is checked,
    /// and the run's memory holds the campaigns being checked, not all.
    pub renders_after: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            edge_cases: true,
            campaigns: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            read_bodies_whole: false,
            for_review: true,
            renders_after: true,
        }
    }
}

impl Options {
    /// Whether the run checks this campaign.
    fn checks_campaign(&self, id: &str) -> bool {
        self.campaigns.is_empty() || self.campaigns.iter().any(|c| c == id)
    }

    /// The config the rules run with: the rules not selected, or ignored,
    /// turned off, so that they never run.
    fn rules_config<'a>(&self, config: &'a Config) -> Cow<'a, Config> {
        if self.select.is_empty() && self.ignore.is_empty() {
            return Cow::Borrowed(config);
        }
        let mut narrowed = config.clone();
        for &rule in RuleId::ALL {
            if (!self.select.is_empty() && !self.select.contains(&rule))
                || self.ignore.contains(&rule)
            {
                narrowed
                    .rules
                    .insert(rule, crate::finding::SeverityLevel::Off);
            }
        }
        Cow::Owned(narrowed)
    }
}

/// Compiles every loaded campaign (partials once for all). Campaigns that do
/// not compile go to `broken` with their errors; the others are returned.
pub fn compile_project(
    project: &Project,
) -> (
    Vec<Arc<CompiledCampaign>>,
    Vec<BrokenCampaign>,
    Vec<LoadError>,
) {
    let (partials, partial_errors) = compile_partials(&project.partials, project.config.dialect);
    let results: Vec<Result<CompiledCampaign, BrokenCampaign>> = project
        .campaigns
        .par_iter()
        .map(|c| compile_one(project, c, &partials))
        .collect();
    let mut compiled = Vec::new();
    let (broken, errors) = sorted_out(partial_errors, results, |c| compiled.push(Arc::new(c)));
    (compiled, broken, errors)
}

/// One campaign of `project` compiled, or broken with its errors.
fn compile_one(
    project: &Project,
    campaign: &crate::project::Campaign,
    partials: &crate::template::CompiledPartials<'_>,
) -> Result<CompiledCampaign, BrokenCampaign> {
    let dialect = TemplateDialect {
        dialect: project.config.dialect_of(campaign.dialect),
        declared: &project.config.helpers,
        merge_fields: &project.config.merge_fields,
    };
    compile_campaign(campaign.clone(), partials, dialect).map_err(|errors| BrokenCampaign {
        file: campaign.file.clone(),
        errors,
    })
}

/// Each campaign's outcome in order: the good ones to `keep`; the broken
/// ones, and every load error after the partials', returned.
fn sorted_out<T>(
    partial_errors: Vec<LoadError>,
    results: Vec<Result<T, BrokenCampaign>>,
    mut keep: impl FnMut(T),
) -> (Vec<BrokenCampaign>, Vec<LoadError>) {
    let mut broken = Vec::new();
    let mut errors = partial_errors;
    for result in results {
        match result {
            Ok(good) => keep(good),
            Err(campaign) => {
                errors.extend(campaign.errors.iter().cloned());
                broken.push(campaign);
            }
        }
    }
    (broken, errors)
}

/// Runs every campaign of a project and applies the review decisions (read
/// by [`crate::review::load`] at the edge, or made in memory).
pub fn run(project: &Project, options: &Options, decisions: &Decisions) -> Run {
    let (partials, partial_errors) = compile_partials(&project.partials, project.config.dialect);
    // Every campaign renders the same sample profiles.
    let inputs: Vec<RenderInput> = project
        .profiles
        .par_iter()
        .map(|p| RenderInput::of(p))
        .collect();
    let config = options.rules_config(&project.config);
    // The cells (campaign, profile) some decision is on.
    let decided: HashSet<(&str, &str)> = decisions
        .entries()
        .iter()
        .filter_map(|e| Some((e.campaign.as_str(), e.profile.as_deref()?)))
        .collect();
    // Each campaign is compiled where it is checked: a run whose templates
    // no view renders again lets go of them as it goes.
    let results: Vec<Result<Option<CampaignRun>, BrokenCampaign>> = project
        .campaigns
        .par_iter()
        .map(|campaign| {
            let compiled = compile_one(project, campaign, &partials)?;
            let id = compiled.campaign.id.clone();
            if !options.checks_campaign(&id) {
                return Ok(None);
            }
            let keeps_text =
                |profile: &str| options.for_review || decided.contains(&(id.as_str(), profile));
            let compiled = Arc::new(compiled);
            let mut run = run_campaign_with(
                compiled,
                &project.profiles,
                &inputs,
                &config,
                options,
                &keeps_text,
            );
            if !options.renders_after
                && let Some(compiled) = Arc::get_mut(&mut run.compiled)
            {
                compiled.let_go_of_templates();
            }
            Ok(Some(run))
        })
        .collect();
    let mut campaigns = Vec::new();
    let (mut broken, compile_errors) = sorted_out(partial_errors, results, |run| {
        campaigns.extend(run);
    });
    let mut load_errors = project.load_errors.clone();
    load_errors.extend(compile_errors);
    broken.extend(project.broken_campaigns.iter().cloned());
    broken.sort_by(|a, b| a.file.cmp(&b.file));
    let mut run = Run {
        campaigns,
        broken_campaigns: broken,
        load_errors,
        sample_profiles: project.profiles.len(),
        obsolete_decisions: Vec::new(),
        baseline_applied: false,
    };
    crate::review::apply(&mut run, decisions);
    // A decision on a campaign or a rule this run did not check is not
    // obsolete: nothing was looked for.
    run.obsolete_decisions.retain(|e| {
        options.checks_campaign(&e.campaign)
            && RuleId::parse(&e.rule)
                .is_none_or(|rule| crate::rules::severity(&config, rule).is_some())
    });
    run
}

/// [`run`] with the decisions of the project's reviews file, read at the
/// edge as `lint` does; a broken reviews file is one more load error.
pub fn run_with_reviews_file(project: &Project, options: &Options) -> Run {
    if project.root.as_os_str().is_empty() {
        // Loaded from memory: there is no reviews file to read.
        return run(project, options, &Decisions::default());
    }
    let (decisions, error) = crate::review::load_for_run(&project.root);
    let mut run = run(project, options, &decisions);
    run.load_errors.extend(error);
    run
}

/// Checks one compiled campaign against the samples and its edge cases.
pub fn run_campaign(
    compiled: Arc<CompiledCampaign>,
    samples: &[ProfileRef],
    config: &Config,
    options: &Options,
) -> CampaignRun {
    run_campaign_with(compiled, samples, &[], config, options, &|_| {
        options.for_review
    })
}

/// An edge case reports only what its change added: a finding its base
/// sample profile has too (same rule, variant, field and place) is the
/// sample's own, already reported for it, and repeating it for every edge
/// case made from that sample would bury what the changes found.
fn only_what_edges_add(
    cell_findings: Vec<Vec<(usize, Draft)>>,
    profiles: &[ProfileRef],
    sample_count: usize,
) -> Vec<Vec<(usize, Draft)>> {
    if profiles.len() == sample_count {
        // No edge case (`--no-edge-cases`): nothing to compare.
        return cell_findings;
    }
    type Place<'a> = (
        usize,
        Option<usize>,
        crate::rule_id::RuleId,
        crate::finding::Field,
        &'a crate::source::SourceLoc,
    );
    let sample_index: std::collections::HashMap<&str, usize> = profiles[..sample_count]
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let of_samples: std::collections::HashSet<Place<'_>> = cell_findings[..sample_count]
        .iter()
        .flatten()
        .map(|(pi, d)| (*pi, d.variant, d.rule, d.field, &d.loc))
        .collect();
    let base_has = |pi: usize, d: &Draft| {
        let base = profiles[pi]
            .edge
            .as_ref()
            .and_then(|e| sample_index.get(e.base.as_str()).copied());
        base.is_some_and(|b| of_samples.contains(&(b, d.variant, d.rule, d.field, &d.loc)))
    };
    let dropped: Vec<Vec<bool>> = cell_findings
        .iter()
        .enumerate()
        .map(|(pi, drafts)| {
            drafts
                .iter()
                .map(|(_, d)| pi >= sample_count && base_has(pi, d))
                .collect()
        })
        .collect();
    cell_findings
        .into_iter()
        .zip(dropped)
        .map(|(drafts, dropped)| {
            drafts
                .into_iter()
                .zip(dropped)
                .filter_map(|(d, drop)| (!drop).then_some(d))
                .collect()
        })
        .collect()
}

/// [`run_campaign`] with the samples' render inputs made already (empty:
/// made here).
fn run_campaign_with(
    compiled: Arc<CompiledCampaign>,
    samples: &[ProfileRef],
    sample_inputs: &[RenderInput],
    config: &Config,
    options: &Options,
    keeps_text: &(dyn Fn(&str) -> bool + Sync),
) -> CampaignRun {
    let campaign = &compiled.campaign;
    debug_assert!(sample_inputs.is_empty() || sample_inputs.len() == samples.len());
    let edge = if options.edge_cases && config.edge_cases.enabled {
        crate::edge::synthesize(&compiled, samples, config)
    } else {
        crate::edge::EdgeSet::default()
    };
    let mut profiles: Vec<ProfileRef> = samples.to_vec();
    profiles.extend(edge.profiles.iter().cloned());
    let selection: Vec<Option<usize>> = profiles
        .par_iter()
        .map(|p| crate::select::select(campaign, p))
        .collect();

    // Cells: each profile with the variant it receives, rendered and checked.
    let checks = crate::rules::CampaignChecks::new(config, &compiled, samples);
    let reads = if options.read_bodies_whole {
        // As a view reads them: every body's HTML too (the equivalence
        // tests hold the checks' findings to what they find here).
        BodyReads::whole_only()
    } else {
        BodyReads::default().leaving_html_out_of(checks.bodies_whose_html_is_unread())
    };
    let sms = campaign.channel == crate::project::Channel::Sms;
    // Per profile: its drafts, for an SMS the parts its message takes, and
    // what becomes of the cell at send time.
    type Checked = (Vec<(usize, Draft)>, (Option<usize>, Outcome));
    let checked: Vec<Checked> = profiles
        .par_iter()
        .zip(selection.par_iter())
        .enumerate()
        .map(|(pi, (profile, selected))| {
            let Some(vi) = *selected else {
                return (Vec::new(), (None, Outcome::Sent));
            };
            // Sample profiles come first (with their inputs), edge cases after.
            let cell = match sample_inputs.get(pi) {
                Some(input) => compiled.render_input(vi, input, Some(&reads)),
                None => compiled.render_input(vi, &RenderInput::of(profile), Some(&reads)),
            };
            let texts = if keeps_text(&profile.id) {
                ReviewedTexts::copied()
            } else {
                ReviewedTexts::left_out()
            };
            let mut drafts = checks.check_cell(vi, profile, &cell, texts);
            for d in &mut drafts {
                d.profile = Some(profile.clone());
            }
            let parts = (sms && cell.body.error.is_none())
                .then(|| crate::rules::SmsSegments::of(&cell.body.plain.text).parts);
            let drafts = drafts.into_iter().map(|d| (pi, d)).collect();
            (drafts, (parts, cell.outcome()))
        })
        .collect();
    let (cell_findings, per_cell): (Vec<_>, Vec<_>) = checked.into_iter().unzip();
    let (sms_parts, outcomes): (Vec<_>, Vec<_>) = per_cell.into_iter().unzip();
    let renders = selection.iter().filter(|s| s.is_some()).count();
    let cell_findings = only_what_edges_add(cell_findings, &profiles, samples.len());

    let cx = CampaignContext {
        campaign: &compiled,
        profiles: &profiles,
        selection: &selection,
        probes: crate::rules::Probes::from_samples(samples),
        reach: Default::default(),
    };
    let mut campaign_drafts = Vec::new();
    for rule in crate::rules::running(config) {
        rule.check_campaign(&cx, &mut campaign_drafts);
    }

    // Sized once: grown a push at a time, tens of thousands of findings
    // were copied again at each doubling.
    let drafts = cell_findings.iter().map(Vec::len).sum::<usize>() + campaign_drafts.len();
    let mut findings: Vec<(usize, Finding)> = Vec::with_capacity(drafts);
    let mut written = WrittenFixes::default();
    let names = Names::of(campaign);
    for (pi, draft) in cell_findings.into_iter().flatten() {
        if let Some(f) = finish(draft, &compiled, config, &mut written, &names) {
            findings.push((pi, f));
        }
    }
    // Each profile's place, found once: a campaign rule may report every
    // profile (`no-variant`), and a search per draft would be quadratic.
    let place: std::collections::HashMap<&str, usize> = profiles
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    for draft in campaign_drafts {
        let order = draft
            .profile
            .as_ref()
            .and_then(|p| place.get(p.id.as_str()).copied())
            .unwrap_or(usize::MAX);
        if let Some(f) = finish(draft, &compiled, config, &mut written, &names) {
            findings.push((order, f));
        }
    }
    // An inline allow that accepts nothing is a note, as an unused `noqa`.
    let mut seen_allows = std::collections::HashSet::new();
    for (vi, variant) in compiled.variants.iter().enumerate() {
        let variant_id = &campaign.variants[vi].id;
        for template in variant.templates() {
            for allow in &template.analysis.allows {
                // An allow of a rule that did not run has nothing to accept.
                if crate::rules::severity(config, allow.rule).is_none() {
                    continue;
                }
                let used = findings.iter().any(|(_, f)| {
                    f.variant.as_deref() == Some(variant_id.as_str())
                        && allow.accepts_at(f.rule, &f.file, f.line, f.column)
                });
                let key = (allow.loc.file.clone(), allow.loc.line, allow.loc.column);
                if used || !seen_allows.insert(key) {
                    continue;
                }
                findings.push((
                    usize::MAX,
                    Finding {
                        rule: allow.rule,
                        severity: crate::finding::Severity::Info,
                        campaign: names.campaign.clone(),
                        variant: Some(names.variants[vi].clone()),
                        profile: None,
                        profile_kind: None,
                        field: template.field,
                        message: format!(
                            "`mergeproof-allow {}` accepts nothing: no `{}` finding is on its line or at the token after it; remove it",
                            allow.rule, allow.rule
                        ),
                        file: allow.loc.file.clone(),
                        line: allow.loc.line,
                        column: allow.loc.column,
                        excerpt: String::new(),
                        waived: false,
                        waiver: None,
                        reviewed_text: "".into(),
                        fix: None,
                    },
                ));
            }
        }
    }
    // Stable order: variant, field, profile, rule.
    let variant_order = |f: &Finding| {
        f.variant
            .as_ref()
            .and_then(|v| campaign.variants.iter().position(|x| *x.id == **v))
            .unwrap_or(usize::MAX)
    };
    // (A stable sort; each key is made once, not once per comparison.)
    findings.sort_by_cached_key(|(p, f)| (variant_order(f), f.field, *p, f.rule, f.line, f.column));
    CampaignRun {
        compiled: compiled.clone(),
        profiles,
        selection,
        findings: findings.into_iter().map(|(_, f)| f).collect(),
        edge_profiles: edge.profiles.len(),
        edge_capped: edge.capped,
        renders,
        sms_parts,
        outcomes,
    }
}

/// A fix's `replace` as a variant's own template file writes it, by
/// variant, then file, then `replace` as put together (nested, so that a
/// finding looks its fix up without copying its file and text into a key):
/// one rule reports the same fix for every profile it finds it for, and
/// finding how the file writes it reads the whole file.
type WrittenFixes =
    foldhash::HashMap<usize, foldhash::HashMap<String, foldhash::HashMap<String, String>>>;

/// `replace` as the first of `variant`'s own templates in `file` that
/// writes it differently writes it; as it is when none does (a partial's
/// stays as put together).
fn written_in(compiled: &CompiledCampaign, variant: usize, file: &str, replace: &str) -> String {
    compiled
        .variants
        .get(variant)
        .into_iter()
        .flat_map(|v| v.templates())
        .filter(|t| t.source.file == file)
        .find_map(|t| crate::rules::fix_written_form(replace, &t.source.text))
        .unwrap_or_else(|| replace.to_string())
}

/// The names a campaign's findings share, its own and its variants', each
/// made once (a file's is shared by its places already).
struct Names {
    campaign: Arc<str>,
    variants: Vec<Arc<str>>,
}

impl Names {
    fn of(campaign: &crate::project::Campaign) -> Names {
        Names {
            campaign: campaign.id.as_str().into(),
            variants: campaign
                .variants
                .iter()
                .map(|v| v.id.as_str().into())
                .collect(),
        }
    }
}

/// A draft with its severity (from the config) and its `allow:` waiver.
fn finish(
    draft: Draft,
    compiled: &CompiledCampaign,
    config: &Config,
    written: &mut WrittenFixes,
    names: &Names,
) -> Option<Finding> {
    let verdict = crate::rules::verdict(&draft, compiled, config)?;
    let variant = draft.variant.and_then(|v| names.variants.get(v)).cloned();
    let waiver = verdict.allowed.map(|reason| {
        Box::new(Waiver {
            kind: "allow".into(),
            reason: reason.to_string(),
            reviewer: None,
            at: None,
        })
    });
    // The replaced text as the template file writes it.
    let fix = draft.fix.map(|mut fix| {
        if let (Some(variant), Some(replace)) = (draft.variant, &fix.replace) {
            let file: &str = &draft.loc.file;
            let in_file = written.entry(variant).or_default();
            if !in_file.contains_key(file) {
                in_file.insert(file.to_string(), Default::default());
            }
            let by_text = in_file.get_mut(file).expect("inserted above");
            let as_written = match by_text.get(replace) {
                Some(as_written) => as_written.clone(),
                None => {
                    let as_written = written_in(compiled, variant, file, replace);
                    by_text.insert(replace.clone(), as_written.clone());
                    as_written
                }
            };
            // Shared with the other findings of the fix until the file
            // writes the text otherwise.
            if fix.replace.as_deref() != Some(as_written.as_str()) {
                Arc::make_mut(&mut fix).replace = Some(as_written);
            }
        }
        fix
    });
    Some(Finding {
        rule: draft.rule,
        severity: verdict.severity,
        campaign: names.campaign.clone(),
        variant,
        profile: draft.profile.as_ref().map(|p| p.id.clone()),
        profile_kind: draft.profile.as_ref().map(|p| p.kind),
        field: draft.field,
        message: draft.message,
        file: draft.loc.file,
        line: draft.loc.line,
        column: draft.loc.column,
        excerpt: draft.excerpt,
        waived: waiver.is_some(),
        waiver,
        reviewed_text: draft.reviewed_text,
        fix,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{Options, run};
    use crate::review::Decisions;

    fn project() -> crate::project::Project {
        let files: BTreeMap<String, String> = [
            ("campaigns/partials/footer.hbs", "Harbor & Pine, {{default city \"Portland\"}}"),
            (
                "campaigns/sale.yaml",
                "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: \"{{first_name}}, cheap picks\"\n    body: \"Hi {{first_name}}, {{points}} points. {{> footer}}\"\n  - id: everyone\n    subject: Sale\n    body: \"Hi {{> footer}}\"\n",
            ),
            ("campaigns/broken.yaml", "variants:\n  - id: a\n    subject: \"{{#if x}}\"\n    body: y\n"),
            ("sample-profiles/ana.yaml", "first_name: Ana\ntier: gold\npoints: 0\n"),
            ("sample-profiles/ben.yaml", "tier: silver\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        crate::project::load_project_from_memory(&files)
    }

    #[test]
    fn a_run_no_view_renders_from_lets_go_of_templates_and_reports_the_same() {
        let project = project();
        let with = |renders_after: bool| {
            run(
                &project,
                &Options {
                    renders_after,
                    ..Options::default()
                },
                &Decisions::default(),
            )
        };
        let (kept, let_go) = (with(true), with(false));
        assert!(kept.findings().count() > 0);
        assert_eq!(kept.broken_campaigns.len(), 1);
        assert_eq!(
            crate::report::json::render(&kept).unwrap(),
            crate::report::json::render(&let_go).unwrap()
        );
        let ana = &project.profiles[0];
        let rendered = kept.campaigns[0].compiled.render(0, ana);
        assert_eq!(rendered.body.error, None);
        assert!(rendered.body.plain.text.contains("Hi Ana"));
        let failed = let_go.campaigns[0].compiled.render(0, ana);
        let error = failed.body.error.expect("no templates to render with");
        assert!(
            error.message.contains("let go of the campaign's templates"),
            "{error:?}"
        );
    }
}
