//! Audit: the whole customer list through every campaign. Each record is
//! read, matched to the variant it receives, rendered and checked, then
//! counted and dropped: memory holds one batch of records at a time. The
//! result answers what sample profiles cannot: how often, and for whom. It
//! holds no customer data but ids.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::audience::is_blank;
use crate::config::Config;
use crate::finding::{Field, ProfileKind, Severity};
use crate::project::records::Record;
use crate::project::{Profile, ProfileRef};
use crate::rule_id::RuleId;
use crate::source::LoadError;
use crate::template::CompiledCampaign;

/// How many records are read before they are checked together, in parallel.
const BATCH: usize = 4096;
/// Example ids kept for each rule.
const EXAMPLES: usize = 5;
/// Rejected records listed (all of them are counted).
const LISTED_REJECTIONS: usize = 1000;

#[derive(Debug, Default, Serialize)]
pub struct Audit {
    pub version: u32,
    pub profiles: u64,
    pub rejected: u64,
    pub campaigns: Vec<CampaignAudit>,
    pub rejected_records: Vec<Rejected>,
}

#[derive(Debug, Serialize)]
pub struct Rejected {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct CampaignAudit {
    pub id: String,
    pub profiles: u64,
    pub variants: Vec<VariantReach>,
    pub tokens: Vec<TokenCount>,
    pub rules: Vec<RuleCount>,
}

#[derive(Debug, Serialize)]
pub struct VariantReach {
    pub id: String,
    pub reach: u64,
    pub share: f64,
    pub below_min_reach: bool,
}

#[derive(Debug, Serialize)]
pub struct TokenCount {
    pub variant: String,
    pub field: Field,
    pub token: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Customers sent the variant.
    pub received: u64,
    /// Of them, those who got the fallback text.
    pub fallback: u64,
    /// Those who got nothing where the token stands.
    pub empty: u64,
}

#[derive(Debug, Serialize)]
pub struct RuleCount {
    pub rule: RuleId,
    pub severity: Severity,
    pub variant: Option<String>,
    pub field: Field,
    pub profiles: u64,
    pub examples: Vec<String>,
}

impl Audit {
    /// Whether the audit fails the gate as `lint` would: an error that some
    /// customer receives.
    pub fn fails(&self) -> bool {
        self.campaigns.iter().any(|c| {
            c.rules
                .iter()
                .any(|r| r.severity == Severity::Error && r.profiles > 0)
        })
    }
}

/// What one record gets from one campaign.
#[derive(Default)]
struct Outcome {
    variant: Option<usize>,
    /// (template slot, got the fallback, got nothing)
    tokens: Vec<(usize, bool, bool)>,
    /// (rule, field), once each.
    findings: Vec<(RuleId, Field)>,
}

/// Counts for one campaign while records stream through.
struct Tally {
    profiles: u64,
    reach: Vec<u64>,
    no_variant: u64,
    no_variant_examples: Vec<String>,
    /// By slot: (variant, field, token index).
    slots: Vec<(usize, Field, u32)>,
    token_counts: Vec<(u64, u64)>,
    rules: BTreeMap<RuleKey, (u64, Vec<String>)>,
}

/// A defect as audit counts it: (variant, field, rule).
type RuleKey = (Option<usize>, Field, RuleId);

impl Tally {
    fn new(compiled: &CompiledCampaign) -> Tally {
        let mut slots = Vec::new();
        for (vi, variant) in compiled.variants.iter().enumerate() {
            for template in variant.templates() {
                for token in &template.analysis.tokens {
                    slots.push((vi, template.field, token.index));
                }
            }
        }
        Tally {
            profiles: 0,
            reach: vec![0; compiled.variants.len()],
            no_variant: 0,
            no_variant_examples: Vec::new(),
            token_counts: vec![(0, 0); slots.len()],
            slots,
            rules: BTreeMap::new(),
        }
    }

    fn add(&mut self, id: &str, outcome: Outcome) {
        self.profiles += 1;
        let Some(vi) = outcome.variant else {
            self.no_variant += 1;
            if self.no_variant_examples.len() < EXAMPLES {
                self.no_variant_examples.push(id.to_string());
            }
            return;
        };
        self.reach[vi] += 1;
        for (slot, fallback, empty) in outcome.tokens {
            let counts = &mut self.token_counts[slot];
            counts.0 += u64::from(fallback);
            counts.1 += u64::from(empty);
        }
        for (rule, field) in outcome.findings {
            let entry = self
                .rules
                .entry((Some(vi), field, rule))
                .or_insert((0, Vec::new()));
            entry.0 += 1;
            if entry.1.len() < EXAMPLES {
                entry.1.push(id.to_string());
            }
        }
    }
}

/// Runs one record through one campaign.
fn outcome(
    compiled: &CompiledCampaign,
    config: &Config,
    profile: &Profile,
    first_slot: &[usize],
) -> Outcome {
    let Some(vi) = crate::select::select(&compiled.campaign, profile) else {
        return Outcome::default();
    };
    let variant = &compiled.campaign.variants[vi];
    let cell = compiled.render(vi, profile);
    let mut tokens = Vec::new();
    let mut slot = first_slot[vi];
    for template in compiled.variants[vi].templates() {
        let rendered = cell.field(template.field);
        for token in &template.analysis.tokens {
            let mut spans = rendered
                .into_iter()
                .flat_map(|r| {
                    r.output
                        .spans_of(token.index)
                        .map(|s| r.output.span_text(s))
                })
                .peekable();
            let shown = spans.peek().is_some();
            let empty = shown && spans.all(|s| s.trim().is_empty());
            let fallback = shown
                && !empty
                && token.reads.iter().any(|read| {
                    read.fallback.is_some()
                        && is_blank(crate::audience::value_at(&profile.data, &read.path))
                });
            tokens.push((slot, fallback, empty));
            slot += 1;
        }
    }
    let drafts = crate::rules::check_cell(config, compiled, vi, profile, &cell);
    let mut findings: Vec<(RuleId, Field)> = drafts
        .into_iter()
        .filter(|d| variant.allowed(d.rule).is_none())
        .filter(|d| {
            let doc = crate::rules::rule(d.rule).doc();
            config.severity_of(d.rule, doc.default_severity).is_some()
        })
        .map(|d| (d.rule, d.field))
        .collect();
    findings.sort();
    findings.dedup();
    Outcome {
        variant: Some(vi),
        tokens,
        findings,
    }
}

/// Streams `records` through `campaigns`; `progress` is told how many
/// records have been read after each batch.
pub fn audit(
    campaigns: &[Arc<CompiledCampaign>],
    config: &Config,
    records: &mut dyn Iterator<Item = Result<Record, LoadError>>,
    progress: &dyn Fn(u64),
) -> Audit {
    let mut tallies: Vec<Tally> = campaigns.iter().map(|c| Tally::new(c)).collect();
    // The first slot of each variant in its campaign's tally.
    let first_slots: Vec<Vec<usize>> = campaigns
        .iter()
        .zip(&tallies)
        .map(|(c, t)| {
            (0..c.variants.len())
                .map(|vi| {
                    t.slots
                        .iter()
                        .position(|s| s.0 == vi)
                        .unwrap_or(t.slots.len())
                })
                .collect()
        })
        .collect();
    let mut result = Audit {
        version: 1,
        ..Audit::default()
    };
    let mut batch: Vec<ProfileRef> = Vec::with_capacity(BATCH);
    let flush = |batch: &mut Vec<ProfileRef>, tallies: &mut Vec<Tally>| {
        // Every record against every campaign, in parallel; counted in order
        // so the example ids are the first in the file.
        let outcomes: Vec<Vec<Outcome>> = batch
            .par_iter()
            .map(|p| {
                campaigns
                    .iter()
                    .zip(&first_slots)
                    .map(|(c, slots)| outcome(c, config, p, slots))
                    .collect()
            })
            .collect();
        for (profile, per_campaign) in batch.iter().zip(outcomes) {
            for (tally, o) in tallies.iter_mut().zip(per_campaign) {
                tally.add(&profile.id, o);
            }
        }
        batch.clear();
    };
    for record in records {
        match record {
            Ok(r) => {
                result.profiles += 1;
                batch.push(Arc::new(Profile::from_data(
                    r.id,
                    r.data,
                    ProfileKind::Sample,
                    r.loc,
                )));
                if batch.len() == BATCH {
                    flush(&mut batch, &mut tallies);
                    progress(result.profiles + result.rejected);
                }
            }
            Err(e) => {
                result.rejected += 1;
                if result.rejected_records.len() < LISTED_REJECTIONS {
                    result.rejected_records.push(Rejected {
                        file: e.file,
                        line: e.line,
                        column: e.column,
                        message: e.message,
                    });
                }
            }
        }
    }
    flush(&mut batch, &mut tallies);
    progress(result.profiles + result.rejected);
    result.campaigns = campaigns
        .iter()
        .zip(tallies)
        .map(|(c, t)| finish(c, config, t))
        .collect();
    result
}

fn finish(compiled: &CompiledCampaign, config: &Config, tally: Tally) -> CampaignAudit {
    let campaign = &compiled.campaign;
    let total = tally.profiles.max(1) as f64;
    let variants = campaign
        .variants
        .iter()
        .zip(&tally.reach)
        .map(|(v, reach)| VariantReach {
            id: v.id.clone(),
            reach: *reach,
            share: (*reach as f64 / total * 10_000.0).round() / 10_000.0,
            below_min_reach: *reach < config.audit.min_reach,
        })
        .collect();
    let mut tokens = Vec::new();
    for ((vi, field, index), (fallback, empty)) in tally.slots.iter().zip(&tally.token_counts) {
        let Some(token) = compiled.variants[*vi]
            .template(*field)
            .and_then(|t| t.token(*index))
        else {
            continue;
        };
        tokens.push(TokenCount {
            variant: campaign.variants[*vi].id.clone(),
            field: *field,
            token: token.expression.clone(),
            file: token.loc.file.clone(),
            line: token.loc.line,
            column: token.loc.column,
            received: tally.reach[*vi],
            fallback: *fallback,
            empty: *empty,
        });
    }
    let mut rules = Vec::new();
    if tally.no_variant > 0
        && let Some(severity) = config.severity_of(
            RuleId::NoVariant,
            crate::rules::rule(RuleId::NoVariant).doc().default_severity,
        )
    {
        rules.push(RuleCount {
            rule: RuleId::NoVariant,
            severity,
            variant: None,
            field: Field::Audience,
            profiles: tally.no_variant,
            examples: tally.no_variant_examples,
        });
    }
    for ((vi, field, rule), (profiles, examples)) in tally.rules {
        let Some(severity) =
            config.severity_of(rule, crate::rules::rule(rule).doc().default_severity)
        else {
            continue;
        };
        rules.push(RuleCount {
            rule,
            severity,
            variant: vi.map(|v| campaign.variants[v].id.clone()),
            field,
            profiles,
            examples,
        });
    }
    CampaignAudit {
        id: campaign.id.clone(),
        profiles: tally.profiles,
        variants,
        tokens,
        rules,
    }
}
