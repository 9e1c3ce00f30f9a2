//! Check: the rules. One rule per file, its documentation beside its code, and
//! this one registry that lists them all (`mergeproof explain --list` prints it).
//!
//! A rule looks at one cell (a profile and the variant it receives, rendered)
//! or at a campaign as a whole (which profiles receive which variant). It
//! returns drafts; the engine turns them into findings with the configured
//! severity and applies `allow:` entries.

mod broken_link;
mod creepy_reference;
mod fix;
mod gender_assumption;
mod guard_mismatch;
mod helper_shadows_field;
mod missing_fallback;
mod no_control;
mod no_variant;
mod plural_agreement;
pub(crate) mod reach;
mod render_artifact;
mod send_failure;
mod sensitive_category;
mod sms_segments;
mod subject_truncation;
pub(crate) mod text;
mod uncovered_variant;
mod unescaped_data;
mod unreachable_variant;
mod unsafe_token_combo;
mod verdict;
mod zero_balance;

use std::cell::OnceCell;
use std::sync::Arc;

use crate::config::Config;
use crate::finding::{Field, Severity};
use crate::project::{Profile, ProfileRef, Variant};
use crate::rule_id::RuleId;
use crate::source::SourceLoc;
use crate::template::{
    CompiledCampaign, CompiledTemplate, CompiledVariant, DataSpan, RenderedCell, RenderedField,
    Token,
};

/// What `mergeproof explain RULE` prints.
#[derive(Debug)]
pub struct RuleDoc {
    pub id: RuleId,
    pub default_severity: Severity,
    /// One line: what the rule catches.
    pub summary: &'static str,
    /// Why it matters, in the words of someone who has seen it go wrong.
    pub why: &'static str,
    /// A template (and profile) that fires the rule.
    pub example: &'static str,
    /// How to fix it, in every dialect.
    pub fix: &'static str,
    /// How to fix it in one dialect, in that dialect's spelling, for rules
    /// whose fix is a fallback or a guard.
    pub fix_in: Option<fn(crate::dialect::Dialect) -> String>,
    /// How to accept it on purpose.
    pub accept: &'static str,
}

pub(crate) trait Rule: Sync + Send {
    fn doc(&self) -> &'static RuleDoc;

    /// Checks what one profile receives.
    fn check_cell(&self, _cx: &CellContext<'_>, _out: &mut Vec<Draft>) {}

    /// Checks a campaign as a whole: variants against the profiles that receive them.
    fn check_campaign(&self, _cx: &CampaignContext<'_>, _out: &mut Vec<Draft>) {}

    /// Whether checking a cell reads the HTML an email body printed (its
    /// [`crate::template::RenderedField::output`]), not only what a reader
    /// sees. A body read for the checks keeps only what its outputs printed
    /// when no running rule reads its HTML: the whole is a copy of the body
    /// for every customer.
    fn reads_body_html(&self, _checks: &CampaignChecks<'_>, _body: &CompiledTemplate) -> bool {
        false
    }
}

/// The registry: each rule id with its code and documentation. The match is
/// exhaustive, so a rule id without a rule does not compile.
pub(crate) fn rule(id: RuleId) -> &'static dyn Rule {
    match id {
        RuleId::MissingFallback => &missing_fallback::MissingFallback,
        RuleId::RenderArtifact => &render_artifact::RenderArtifact,
        RuleId::UnsafeTokenCombo => &unsafe_token_combo::UnsafeTokenCombo,
        RuleId::ZeroBalance => &zero_balance::ZeroBalance,
        RuleId::SensitiveCategory => &sensitive_category::SensitiveCategory,
        RuleId::GenderAssumption => &gender_assumption::GenderAssumption,
        RuleId::CreepyReference => &creepy_reference::CreepyReference,
        RuleId::SubjectTruncation => &subject_truncation::SubjectTruncation,
        RuleId::UnescapedData => &unescaped_data::UnescapedData,
        RuleId::UnreachableVariant => &unreachable_variant::UnreachableVariant,
        RuleId::UncoveredVariant => &uncovered_variant::UncoveredVariant,
        RuleId::NoVariant => &no_variant::NoVariant,
        RuleId::NoControl => &no_control::NoControl,
        RuleId::HelperShadowsField => &helper_shadows_field::HelperShadowsField,
        RuleId::BrokenLink => &broken_link::BrokenLink,
        RuleId::SendFailure => &send_failure::SendFailure,
        RuleId::GuardMismatch => &guard_mismatch::GuardMismatch,
        RuleId::SmsSegments => &sms_segments::SmsSegments,
        RuleId::PluralAgreement => &plural_agreement::PluralAgreement,
    }
}

/// Every rule, in the order `explain --list` shows them.
pub(crate) fn all() -> impl Iterator<Item = &'static dyn Rule> {
    RuleId::ALL.iter().map(|&id| rule(id))
}

/// The rules that run with `config`: those it has not turned off. A rule
/// that is off never runs (its findings would only be dropped); `lint
/// --select` and `--ignore` turn the others off for the run.
pub(crate) fn running(config: &Config) -> impl Iterator<Item = &'static dyn Rule> + '_ {
    RuleId::ALL
        .iter()
        .filter(|&&id| severity(config, id).is_some())
        .map(|&id| rule(id))
}

/// One campaign's checks in a run: its templates, the run's config, the
/// parts an SMS of each variant takes for its shortest sample, and what
/// rules work out from the templates and the config, once for every cell.
pub(crate) struct CampaignChecks<'a> {
    config: &'a Config,
    campaign: &'a CompiledCampaign,
    sms_baselines: Vec<Option<SmsSegments>>,
    facts: TemplateFacts,
}

impl<'a> CampaignChecks<'a> {
    /// The campaign these checks are for.
    pub(crate) fn campaign(&self) -> &'a CompiledCampaign {
        self.campaign
    }

    /// The config they run with.
    pub(crate) fn config(&self) -> &'a Config {
        self.config
    }

    pub(crate) fn new(
        config: &'a Config,
        campaign: &'a CompiledCampaign,
        samples: &[ProfileRef],
    ) -> Self {
        CampaignChecks {
            config,
            campaign,
            sms_baselines: sms_baselines(campaign, samples),
            facts: TemplateFacts::default(),
        }
    }

    /// The keys of the campaign's HTML bodies whose HTML no running rule
    /// reads ([`Rule::reads_body_html`]).
    pub(crate) fn bodies_whose_html_is_unread(&self) -> Vec<Box<str>> {
        self.campaign
            .variants
            .iter()
            .map(|v| &v.body)
            .filter(|body| {
                body.html && !running(self.config).any(|rule| rule.reads_body_html(self, body))
            })
            .map(|body| body.key.as_str().into())
            .collect()
    }

    /// Every running rule's drafts for one cell: what `variant_index`
    /// renders for `profile` (`cell`), checked.
    pub(crate) fn check_cell(
        &self,
        variant_index: usize,
        profile: &Profile,
        cell: &RenderedCell,
        reviewed_texts: ReviewedTexts,
    ) -> Vec<Draft> {
        // A cell the template cancelled on purpose (Braze's `abort_message`)
        // sends nothing: it has no content to find fault with.
        if cell.outcome() == crate::template::Outcome::Aborted {
            return Vec::new();
        }
        let campaign = self.campaign;
        let cx = CellContext {
            config: self.config,
            campaign,
            facts: &self.facts,
            variant: &campaign.campaign.variants[variant_index],
            compiled: &campaign.variants[variant_index],
            profile,
            cell,
            reviewed_texts,
            sms_baseline: self.sms_baselines.get(variant_index).copied().flatten(),
        };
        let mut drafts = Vec::new();
        for rule in running(self.config) {
            rule.check_cell(&cx, &mut drafts);
        }
        // Every draft of a cell is the variant's: what accepts it (an
        // `allow:` on the variant, an inline allow in its templates) is found
        // by it.
        for d in &mut drafts {
            d.variant = Some(variant_index);
        }
        collapse_repeats(drafts)
    }
}

/// What rules work out from a campaign's templates (and the run's config),
/// never from a profile: worked out the first time a cell asks, then read
/// by every cell of the campaign.
#[derive(Debug, Default)]
pub(crate) struct TemplateFacts {
    guard_mismatch: std::sync::OnceLock<guard_mismatch::Mismatches>,
    unsafe_terms: std::sync::OnceLock<std::sync::Arc<unsafe_token_combo::Terms>>,
    zero_balance: std::sync::OnceLock<zero_balance::Figures>,
    literal_tags: std::sync::OnceLock<Vec<crate::dialect::LiteralTag>>,
    /// Fixes of tokens, written once for every cell they are the same for.
    pub(crate) fixes: fix::Written,
}

/// `fact` of each template of `campaign` that has one, by the template's
/// key (the key a cell's field is rendered from): a template it says
/// nothing of is left out, and costs a cell one lookup.
fn by_template<T>(
    campaign: &CompiledCampaign,
    fact: impl Fn(&CompiledTemplate) -> Option<T>,
) -> foldhash::HashMap<String, T> {
    campaign
        .variants
        .iter()
        .flat_map(|v| v.templates())
        .filter_map(|template| Some((template.key.clone(), fact(template)?)))
        .collect()
}

/// One draft for each rule, field, template place and message in a cell: a
/// value that repeats what a check looks for (a name of 100,000 `}}`, a loop
/// over a long list printing `null`) is one finding that says how often, not
/// a hundred thousand, which would hold memory and bury every other finding.
fn collapse_repeats(drafts: Vec<Draft>) -> Vec<Draft> {
    if drafts.len() < 2 {
        return drafts;
    }
    // Per cell with findings: a fast hash, sized once (the keys are the
    // cell's own drafts).
    let mut first: foldhash::HashMap<(RuleId, Field, &SourceLoc, &str), usize> =
        foldhash::HashMap::with_capacity_and_hasher(drafts.len(), Default::default());
    let mut repeats = vec![0usize; drafts.len()];
    let mut keep = vec![true; drafts.len()];
    for (i, d) in drafts.iter().enumerate() {
        match first.entry((d.rule, d.field, &d.loc, d.message.as_str())) {
            std::collections::hash_map::Entry::Occupied(at) => {
                repeats[*at.get()] += 1;
                keep[i] = false;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    drop(first);
    drafts
        .into_iter()
        .zip(repeats.into_iter().zip(keep))
        .filter(|(_, (_, keep))| *keep)
        .map(|(mut d, (more, _))| {
            if more > 0 {
                let times = if more == 1 { "time" } else { "times" };
                d.message
                    .push_str(&format!(" (and {more} more {times} in this {})", d.field));
            }
            d
        })
        .collect()
}

/// The rule a user's id names.
#[cfg(test)]
pub(crate) fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    RuleId::parse(id).map(rule)
}

/// What `explain` prints of one rule.
pub fn doc(id: RuleId) -> &'static RuleDoc {
    rule(id).doc()
}

/// Builds, on a worker of the pool, what rules build once per process: the
/// inflection's patterns (some eighty regular expressions) and the
/// honorifics' automaton. Built at the first cell instead, they take one
/// core for tens of milliseconds while every other thread that reaches the
/// same rule waits for them; started before a project loads, they are
/// built while it loads. On a worker, not a thread of its own: a new
/// thread's allocations take fresh memory of their own, and the shipped
/// examples' lint then took 15% more wall time than without this, where on
/// a worker it takes 24% less (41 paired rounds). Detached: a run that ends
/// first needs none of it.
pub fn prepare_in_background() {
    rayon::spawn(|| {
        // A panic in a spawned task would end the process; caught, the
        // rule builds again at its first cell and reports it there, as
        // without this.
        let _ = std::panic::catch_unwind(|| {
            plural_agreement::prepare();
            gender_assumption::prepare();
        });
    });
}

/// Every rule's documentation, in rule-id order.
pub fn docs() -> impl Iterator<Item = &'static RuleDoc> {
    all().map(|rule| rule.doc())
}

impl RuleDoc {
    /// The full explanation, as `explain` prints it and SARIF and the TUI show it.
    pub(crate) fn explanation(&self) -> String {
        self.explanation_in(None)
    }

    /// `mergeproof explain`'s text; with a dialect, the fix as that dialect
    /// writes it.
    pub fn explanation_in(&self, dialect: Option<crate::dialect::Dialect>) -> String {
        let (heading, fix) = match (dialect, self.fix_in) {
            (Some(d), Some(fix_in)) => (
                format!("Fix (dialect: {}, {})", d.name(), d.platform()),
                fix_in(d),
            ),
            _ => ("Fix".to_string(), self.fix.to_string()),
        };
        format!(
            "{id} [{sev}]\n\n{summary}\n\nWhy it matters\n{why}\n\nExample\n{example}\n\n{heading}\n{fix}\n\nAccept it on purpose\n{accept}\n",
            id = self.id,
            sev = self.default_severity,
            summary = self.summary,
            why = indent(self.why),
            example = indent(self.example),
            fix = indent(&fix),
            accept = indent(self.accept),
        )
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A finding before the engine gives it its severity and names.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub rule: RuleId,
    pub field: Field,
    pub message: String,
    pub loc: SourceLoc,
    pub excerpt: String,
    /// The text that was reviewed: a decision's fingerprint covers it. A
    /// cell's drafts about one field share one copy of its text.
    pub reviewed_text: Arc<str>,
    /// For campaign-level drafts: the variant and profile concerned, if any.
    pub variant: Option<usize>,
    pub profile: Option<ProfileRef>,
    /// This finding's own fix, when the rule writes one for its token and
    /// dialect.
    pub fix: Option<Arc<crate::finding::Fix>>,
}

/// One profile and the variant it receives, rendered.
pub(crate) struct CellContext<'a> {
    pub config: &'a Config,
    pub campaign: &'a CompiledCampaign,
    /// What rules work out from the campaign's templates and the config,
    /// once for every cell.
    pub facts: &'a TemplateFacts,
    pub variant: &'a Variant,
    pub compiled: &'a CompiledVariant,
    pub profile: &'a Profile,
    pub cell: &'a RenderedCell,
    /// The cell's rendered fields as the drafts about them hold them, made
    /// once per field ([`ReviewedTexts::copied`]), or none of them.
    pub reviewed_texts: ReviewedTexts,
    /// For an SMS: the parts its variant needs for the campaign's shortest
    /// sample ([`sms_baselines`]).
    pub sms_baseline: Option<sms_segments::Segments>,
}

pub(crate) use fix::written_form as fix_written_form;
pub(crate) use sms_segments::{Segments as SmsSegments, baselines as sms_baselines};
pub(crate) use verdict::{severity, verdict};

/// Each rendered field's plain text, shared by every draft about that field:
/// a body with many findings is copied once, not once per finding.
#[derive(Debug, Default)]
pub(crate) struct ReviewedTexts {
    texts: [OnceCell<Arc<str>>; Field::RENDERED.len()],
    /// The drafts say nothing ([`ReviewedTexts::counted`]).
    wordless: bool,
}

impl ReviewedTexts {
    /// Each field's text, copied the first time a draft is about it: what a
    /// review decision on the cell fingerprints.
    pub(crate) fn copied() -> Self {
        Self::default()
    }

    /// No field's text: for a cell no decision is on and no reviewer will
    /// see. Copying a 30 KB body for every cell with a finding held memory
    /// (about 100 MB on 10,000 customers of ten campaigns) that nothing read.
    pub(crate) fn left_out() -> Self {
        let empty: Arc<str> = Arc::from("");
        Self {
            texts: std::array::from_fn(|_| OnceCell::from(empty.clone())),
            wordless: false,
        }
    }

    /// No field's text and no finding's words ([`Words`]): for an audit,
    /// which counts each rule's findings and shows none. On the real-size
    /// benchmark list a third of the customers have a `zero-balance`
    /// finding, and writing its message, excerpt and fix cost as much as
    /// finding it.
    pub(crate) fn counted() -> Self {
        Self {
            wordless: true,
            ..Self::left_out()
        }
    }
}

/// What a finding says: written only for a reader ([`CellContext::draft`]).
pub(crate) struct Words {
    pub message: String,
    pub excerpt: String,
    pub fix: Option<Arc<crate::finding::Fix>>,
}

impl Words {
    pub(crate) fn new(message: String, excerpt: String) -> Words {
        Words {
            message,
            excerpt,
            fix: None,
        }
    }

    /// The finding's fix: one of its own, or one shared with other findings.
    pub(crate) fn with_fix(mut self, fix: Option<impl Into<Arc<crate::finding::Fix>>>) -> Words {
        self.fix = fix.map(Into::into);
        self
    }
}

/// A token as it rendered in one field: the token, its span in the field's
/// plain text (what a reader sees), and that text.
pub(crate) struct RenderedToken<'a> {
    pub token: &'a Token,
    pub span: &'a DataSpan,
    pub text: &'a str,
}

impl<'a> CellContext<'a> {
    /// The literal tags in force for the campaign (its platform's and the
    /// project's): placeholders a later stage fills, parsed once.
    pub(crate) fn literal_tags(&self) -> &'a [crate::dialect::LiteralTag] {
        self.facts.literal_tags.get_or_init(|| {
            crate::dialect::literal_tags(self.campaign.dialect, &self.config.literal_tags)
        })
    }

    /// The fields this cell has, with their template and rendering.
    pub(crate) fn fields(
        &self,
    ) -> impl Iterator<Item = (Field, &'a CompiledTemplate, &'a RenderedField)> + '_ {
        Field::RENDERED.into_iter().filter_map(move |f| {
            let rendered = self.cell.field(f)?;
            // A preheader with no template of its own is the body's hidden one.
            let template = match self.compiled.template(f) {
                Some(t) => t,
                None if f == Field::Preheader => &self.compiled.body,
                None => return None,
            };
            Some((f, template, rendered))
        })
    }

    /// Every token rendered in `rendered`'s plain text, in reading order.
    pub(crate) fn rendered_tokens(
        template: &'a CompiledTemplate,
        rendered: &'a RenderedField,
    ) -> impl Iterator<Item = RenderedToken<'a>> + 'a {
        rendered.plain.spans.iter().filter_map(move |span| {
            Some(RenderedToken {
                token: template.token(span.token)?,
                span,
                text: rendered.plain.span_text(span),
            })
        })
    }

    /// A value of this profile's data at a dotted path.
    pub(crate) fn value(&self, path: &str) -> Option<&'a serde_json::Value> {
        crate::audience::value_at(&self.profile.data, path)
    }

    /// The fallback fix ([`fix::fallback`]) for `token`'s read at `read`,
    /// as this profile's value there needs it: written once per campaign,
    /// token and kind of blank ([`fix::Written`]), copied for the others.
    pub(crate) fn fallback_fix(&self, token: &Token, read: usize) -> Arc<crate::finding::Fix> {
        let path = &token.reads[read].path;
        let value = self.value(path);
        let blank = crate::dialect::Blank::of(value).unwrap_or(crate::dialect::Blank::Missing);
        self.facts
            .fixes
            .fix(token, fix::FixOf::Fallback { read, blank }, || {
                fix::fallback(self.campaign.dialect, self.config, token, path, value)
            })
    }

    /// The plain text of `field` as rendered for this cell (empty when the
    /// cell has no such field).
    fn reviewed_text(&self, field: Field) -> Arc<str> {
        let text = || -> Arc<str> {
            self.cell
                .field(field)
                .map_or("", |f| f.plain.text.as_str())
                .into()
        };
        match Field::RENDERED.iter().position(|f| *f == field) {
            Some(slot) => self.reviewed_texts.texts[slot].get_or_init(text).clone(),
            None => text(),
        }
    }

    /// A finding of `rule` about `field` at `loc`; what it says is written
    /// (`words`) unless the cell is only counted ([`ReviewedTexts::counted`]).
    pub(crate) fn draft(
        &self,
        rule: RuleId,
        field: Field,
        loc: SourceLoc,
        words: impl FnOnce() -> Words,
    ) -> Draft {
        let Words {
            message,
            excerpt,
            fix,
        } = if self.reviewed_texts.wordless {
            Words::new(String::new(), String::new())
        } else {
            words()
        };
        Draft {
            rule,
            field,
            message,
            loc,
            excerpt,
            reviewed_text: self.reviewed_text(field),
            variant: None,
            profile: None,
            fix,
        }
    }
}

/// A campaign with every profile (samples and edge cases) and the variant each
/// receives.
pub(crate) struct CampaignContext<'a> {
    pub campaign: &'a CompiledCampaign,
    pub profiles: &'a [ProfileRef],
    /// Parallel to `profiles`: the variant each receives.
    pub selection: &'a [Option<usize>],
    /// Profiles synthesized at the audiences' own values, so that "no
    /// profile can ever receive this" is decided on more than samples: made
    /// and selected only when a variant has no profile (`Probes`).
    pub probes: Probes<'a>,
    /// Who receives each variant, decided once on first use
    /// (`Default::default()` to start).
    pub reach: OnceCell<Vec<reach::Reach>>,
}

/// Profiles synthesized at the audiences' own values (just below, at and
/// above each threshold), even when edge cases are off
/// (`edge::probes::audience_probes_until`), each selected as it is made.
/// Their data holds only the top-level fields the audiences read (all that
/// selection looks at). They are made only for a variant that no profile
/// receives, and only until one receives it: a campaign with a dozen
/// audience thresholds has hundreds of them, more than its samples.
pub(crate) struct Probes<'a> {
    /// The sample profiles they are made from.
    samples: &'a [ProfileRef],
    /// Probes given instead of made, each with the variant it receives
    /// (the rules' tests give their own).
    given: Option<Vec<(ProfileRef, Option<usize>)>>,
    /// Whether any were made or looked through: what the tests of when
    /// they are made read.
    #[cfg(test)]
    used: std::cell::Cell<bool>,
}

impl<'a> Probes<'a> {
    /// Probes made from `samples` when they are first needed.
    pub(crate) fn from_samples(samples: &'a [ProfileRef]) -> Probes<'a> {
        Probes {
            samples,
            given: None,
            #[cfg(test)]
            used: std::cell::Cell::new(false),
        }
    }

    /// These probes, each with the variant it receives.
    #[cfg(test)]
    pub(crate) fn given(selected: Vec<(ProfileRef, Option<usize>)>) -> Probes<'a> {
        Probes {
            samples: &[],
            given: Some(selected),
            used: std::cell::Cell::new(false),
        }
    }

    /// Whether they were made (for the tests of when they are).
    #[cfg(test)]
    pub(crate) fn were_made(&self) -> bool {
        self.used.get()
    }

    /// For each of `wanted` (variants of `campaign`), the name of the first
    /// probe that receives it, in the order the probes are made; none are
    /// made past the one that receives the last of them.
    pub(crate) fn first_receivers(
        &self,
        campaign: &CompiledCampaign,
        wanted: &[usize],
    ) -> Vec<Option<String>> {
        #[cfg(test)]
        self.used.set(true);
        match &self.given {
            Some(given) => wanted
                .iter()
                .map(|w| {
                    given
                        .iter()
                        .find(|(_, selected)| *selected == Some(*w))
                        .map(|(probe, _)| probe.id.clone())
                })
                .collect(),
            None => crate::edge::first_probe_receivers(campaign, self.samples, wanted),
        }
    }
}

impl CampaignContext<'_> {
    /// Who receives each variant of the campaign, in order.
    pub(crate) fn reach(&self) -> &[reach::Reach] {
        self.reach.get_or_init(|| reach::reach(self))
    }

    pub(crate) fn draft(
        &self,
        rule: RuleId,
        field: Field,
        message: String,
        loc: SourceLoc,
    ) -> Draft {
        Draft {
            rule,
            field,
            reviewed_text: message.as_str().into(),
            message,
            loc,
            excerpt: String::new(),
            variant: None,
            profile: None,
            fix: None,
        }
    }
}

/// Up to `radius` characters either side of a byte range, on one line, for a
/// finding's excerpt.
pub(crate) fn excerpt(text: &str, start: usize, end: usize, radius: usize) -> String {
    let (from, to) = text::excerpt_window(text, start, end, radius);
    // Words joined by single spaces.
    let mut out = String::with_capacity(to - from);
    for word in text[from..to].split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_under_its_own_id() {
        for &id in RuleId::ALL {
            let d = rule(id).doc();
            assert_eq!(d.id, id);
            for (what, text) in [
                ("summary", d.summary),
                ("why", d.why),
                ("example", d.example),
                ("fix", d.fix),
                ("accept", d.accept),
            ] {
                assert!(!text.trim().is_empty(), "{} has no {what}", d.id);
            }
        }
    }

    #[test]
    fn excerpts_stay_on_char_boundaries() {
        assert_eq!(excerpt("Hi , your gold picks", 2, 3, 5), "Hi , you");
        assert_eq!(excerpt("Zoë likes tea", 0, 4, 3), "Zoë li");
    }
}

#[cfg(test)]
mod collapse_tests {
    use crate::rule_id::RuleId;

    /// The `render-artifact` drafts of a cell, as `check_cell` hands them on.
    fn debris(subject: &str, profile: &str) -> Vec<super::Draft> {
        let compiled = crate::testkit::compiled(&crate::testkit::one_variant(subject, "<p>x</p>"));
        let p = crate::testkit::profile(profile);
        let cell = compiled.render(0, &p);
        let config = crate::config::Config::default();
        super::CampaignChecks::new(&config, &compiled, &[])
            .check_cell(0, &p, &cell, super::ReviewedTexts::copied())
            .into_iter()
            .filter(|d| d.rule == RuleId::RenderArtifact)
            .collect()
    }

    #[test]
    fn a_check_repeated_by_a_value_is_one_finding_that_counts() {
        let name = format!("first_name: \"{}\"", "}}".repeat(1000));
        let found = debris("Hi {{first_name}}", &name);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .ends_with("(and 999 more times in this subject)"),
            "{}",
            found[0].message
        );
        // Different messages stay apart.
        let found = debris(
            "Hi {{first_name}} {{last_name}}",
            "first_name: \"}}\"\nlast_name: \"{{\"",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found.iter().all(|d| !d.message.contains("more")),
            "{found:?}"
        );
    }

    /// A cell only counted (an audit's) has the drafts of a cell read
    /// whole, rule, field and place for rule, field and place, and none of
    /// their words: every rule that fires on a cell reads its words from
    /// [`super::Words`].
    #[test]
    fn a_counted_cell_has_the_same_drafts_without_words() {
        let campaign = crate::testkit::one_variant(
            "{{first_name}}, you have {{loyalty.points}} points",
            "<p>Dear Mr. {{last_name}}, {{loyalty.points}} points and {{account.balance}} to spend. \
             <a href=\"https://shop.example/o/{{order_id}}\">Track</a> {{nickname}} }}</p>",
        );
        let compiled = crate::testkit::compiled(&campaign);
        let p = crate::testkit::profile(
            "loyalty: { points: 1 }\naccount: { balance: 0 }\nlast_name: \"  \"",
        );
        let cell = compiled.render(0, &p);
        let config = crate::config::Config::default();
        let checks = super::CampaignChecks::new(&config, &compiled, &[]);
        let placed = |drafts: &[super::Draft]| {
            let mut placed: Vec<_> = drafts
                .iter()
                .map(|d| (d.rule, d.field, d.loc.clone(), d.variant))
                .collect();
            placed.sort_by_key(|(rule, field, loc, _)| (*rule, *field, loc.line, loc.column));
            placed.dedup();
            placed
        };
        let read = checks.check_cell(0, &p, &cell, super::ReviewedTexts::copied());
        let counted = checks.check_cell(0, &p, &cell, super::ReviewedTexts::counted());
        let rules: std::collections::BTreeSet<RuleId> = read.iter().map(|d| d.rule).collect();
        assert!(rules.len() >= 4, "{rules:?}");
        assert!(read.iter().all(|d| !d.message.is_empty()));
        assert_eq!(placed(&read), placed(&counted));
        assert!(
            counted
                .iter()
                .all(|d| d.message.is_empty() && d.excerpt.is_empty() && d.fix.is_none()),
            "{counted:?}"
        );
    }
}
