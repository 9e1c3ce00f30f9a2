//! Audit: the whole customer list through every campaign. Each record is
//! read, matched to the variant it receives, rendered and checked, then
//! counted and dropped: memory holds one batch of records at a time. The
//! result answers what sample profiles cannot: how often, and for whom. It
//! holds no customer data but ids.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::audience::is_blank;
use crate::config::{Config, ProfileColumns};
use crate::finding::{Field, Severity};
use crate::project::Profile;
use crate::project::records::Entry;
use crate::rule_id::RuleId;
use crate::rules::{CampaignChecks, ReviewedTexts};
use crate::source::LoadError;
use crate::template::CompiledCampaign;

mod shapes;
use shapes::{Customer, Kept, Shapes, Sharing, Way};

/// How many records are read before they are checked together, in parallel.
const BATCH: usize = 4096;

/// ... or fewer, when their values are long: a batch's customers, and the
/// keys each campaign tells them apart by, are held at once.
const BATCH_BYTES: usize = 16 << 20;
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
    /// Renders and checks the audit took: one per shape of customer and
    /// campaign (not part of the report).
    #[serde(skip)]
    pub checks: u64,
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
    /// Of `reach`: the customers the platform sends it to, those the
    /// template cancels on purpose (Braze's `abort_message`) and those it
    /// fails to render for (nothing is sent).
    pub sent: u64,
    pub aborted: u64,
    pub failed: u64,
    /// For an SMS: how many customers the message takes each number of
    /// parts for (`"2": 14`); every part is billed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_parts: Option<BTreeMap<usize, u64>>,
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
    /// What becomes of the cell at send time.
    sent: crate::template::Outcome,
    /// (template slot, got the fallback, got nothing), for the tokens that
    /// got either.
    tokens: Vec<(usize, bool, bool)>,
    /// (rule, field), once each.
    findings: Vec<(RuleId, Field)>,
    /// For an SMS: the parts the message takes.
    sms_parts: Option<usize>,
}

impl shapes::Weigh for Arc<Outcome> {
    fn bytes(&self) -> usize {
        std::mem::size_of::<Outcome>()
            + std::mem::size_of_val(self.tokens.as_slice())
            + std::mem::size_of_val(self.findings.as_slice())
    }
}

/// Counts for one campaign while records stream through.
struct Tally {
    profiles: u64,
    reach: Vec<u64>,
    /// By variant: (sent, aborted, failed).
    outcomes: Vec<[u64; 3]>,
    no_variant: u64,
    no_variant_examples: Vec<String>,
    /// By slot: (variant, field, token index).
    slots: Vec<(usize, Field, u32)>,
    token_counts: Vec<(u64, u64)>,
    rules: BTreeMap<RuleKey, (u64, Vec<String>)>,
    /// By variant, for an SMS: customers by the number of parts.
    sms_parts: Vec<BTreeMap<usize, u64>>,
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
            outcomes: vec![[0; 3]; compiled.variants.len()],
            no_variant: 0,
            no_variant_examples: Vec::new(),
            token_counts: vec![(0, 0); slots.len()],
            slots,
            rules: BTreeMap::new(),
            sms_parts: vec![BTreeMap::new(); compiled.variants.len()],
        }
    }

    /// Counts `outcome` of the customer `id` names: called for an example
    /// only (most customers are counted and never named).
    fn add<'c>(&mut self, id: impl Fn() -> Cow<'c, str>, outcome: &Outcome) {
        self.profiles += 1;
        let Some(vi) = outcome.variant else {
            self.no_variant += 1;
            if self.no_variant_examples.len() < EXAMPLES {
                self.no_variant_examples.push(id().into_owned());
            }
            return;
        };
        self.reach[vi] += 1;
        self.outcomes[vi][outcome.sent as usize] += 1;
        if let Some(parts) = outcome.sms_parts {
            *self.sms_parts[vi].entry(parts).or_default() += 1;
        }
        for &(slot, fallback, empty) in &outcome.tokens {
            let counts = &mut self.token_counts[slot];
            counts.0 += u64::from(fallback);
            counts.1 += u64::from(empty);
        }
        for &(rule, field) in &outcome.findings {
            let entry = self
                .rules
                .entry((Some(vi), field, rule))
                .or_insert((0, Vec::new()));
            entry.0 += 1;
            if entry.1.len() < EXAMPLES {
                entry.1.push(id().into_owned());
            }
        }
    }

    /// Adds the counts of the customers that come after this tally's.
    fn merge(&mut self, later: Tally) {
        fn keep_first(examples: &mut Vec<String>, later: Vec<String>) {
            let room = EXAMPLES.saturating_sub(examples.len());
            examples.extend(later.into_iter().take(room));
        }
        self.profiles += later.profiles;
        for (reach, later) in self.reach.iter_mut().zip(later.reach) {
            *reach += later;
        }
        for (outcomes, later) in self.outcomes.iter_mut().zip(later.outcomes) {
            for (count, later) in outcomes.iter_mut().zip(later) {
                *count += later;
            }
        }
        self.no_variant += later.no_variant;
        keep_first(&mut self.no_variant_examples, later.no_variant_examples);
        for (counts, later) in self.token_counts.iter_mut().zip(later.token_counts) {
            counts.0 += later.0;
            counts.1 += later.1;
        }
        for (key, (count, examples)) in later.rules {
            let entry = self.rules.entry(key).or_insert((0, Vec::new()));
            entry.0 += count;
            keep_first(&mut entry.1, examples);
        }
        for (parts, later) in self.sms_parts.iter_mut().zip(later.sms_parts) {
            for (n, count) in later {
                *parts.entry(n).or_default() += count;
            }
        }
    }
}

/// Runs one record through one campaign.
fn outcome(
    checks: &CampaignChecks<'_>,
    profile: &mut Profile,
    variant: Option<usize>,
    first_slot: &[usize],
    reads: &crate::template::BodyReads,
) -> Outcome {
    let Some(vi) = variant else {
        return Outcome::default();
    };
    let (compiled, config) = (checks.campaign(), checks.config());
    // The customer lends its data to the render rather than it being
    // copied: a customer is rendered once per campaign.
    let cell = crate::template::RenderInput::lending(profile, |input| {
        compiled.render_input(vi, input, Some(reads))
    });
    let profile = &*profile;
    let mut tokens = Vec::new();
    let mut slot = first_slot[vi];
    // By token of a template: whether it printed, and only blanks. One
    // pass over the spans, kept for the customer's every template.
    let mut printed: Vec<(bool, bool)> = Vec::new();
    for template in compiled.variants[vi].templates() {
        printed.clear();
        printed.resize(template.analysis.tokens.len(), (false, true));
        if let Some(rendered) = cell.field(template.field) {
            let output = &rendered.output;
            for span in &output.spans {
                if let Some((shown, blank)) = printed.get_mut(span.token as usize) {
                    *shown = true;
                    *blank &= crate::whitespace::is_blank(output.span_text(span));
                }
            }
        }
        for token in &template.analysis.tokens {
            let (shown, blank) = printed
                .get(token.index as usize)
                .copied()
                .unwrap_or((false, true));
            let empty = shown && blank;
            let fallback = shown
                && !empty
                && token.reads.iter().any(|read| {
                    read.fallback.is_some()
                        && is_blank(crate::audience::value_at(&profile.data, &read.path))
                });
            // Only what the tally counts: most tokens print data.
            if fallback || empty {
                tokens.push((slot, fallback, empty));
            }
            slot += 1;
        }
    }
    // An audit keeps counts, never what a reviewer reads.
    let drafts = checks.check_cell(vi, profile, &cell, ReviewedTexts::counted());
    let sms_parts = (compiled.campaign.channel == crate::project::Channel::Sms
        && cell.body.error.is_none())
    .then(|| crate::rules::SmsSegments::of(&cell.body.plain.text).parts);
    let mut findings: Vec<(RuleId, Field)> = drafts
        .into_iter()
        // What counts is what `lint` counts: not off, not allowed.
        .filter(|d| crate::rules::verdict(d, compiled, config).is_some_and(|v| v.allowed.is_none()))
        .map(|d| (d.rule, d.field))
        .collect();
    findings.sort();
    findings.dedup();
    Outcome {
        variant: Some(vi),
        sent: cell.outcome(),
        tokens,
        findings,
        sms_parts,
    }
}

/// Streams `records` through `campaigns`; `progress` is told how many
/// records have been read after each batch.
///
/// `samples` are the project's sample profiles: an SMS is measured against
/// the parts its shortest sample needs (`sms-segments`).
pub fn audit(
    campaigns: &[Arc<CompiledCampaign>],
    config: &Config,
    samples: &[crate::project::ProfileRef],
    records: &mut dyn Iterator<Item = Result<Entry, LoadError>>,
    progress: &dyn Fn(u64),
) -> Audit {
    audit_with(
        campaigns,
        config,
        samples,
        records,
        progress,
        Sharing::Shapes,
    )
}

fn audit_with(
    campaigns: &[Arc<CompiledCampaign>],
    config: &Config,
    samples: &[crate::project::ProfileRef],
    records: &mut dyn Iterator<Item = Result<Entry, LoadError>>,
    progress: &dyn Fn(u64),
    sharing: Sharing,
) -> Audit {
    let mut tallies: Vec<Tally> = campaigns.iter().map(|c| Tally::new(c)).collect();
    let campaign_checks: Vec<CampaignChecks<'_>> = campaigns
        .iter()
        .map(|c| CampaignChecks::new(config, c, samples))
        .collect();
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
    let mut shapes: Vec<Shapes> = campaigns
        .iter()
        .map(|c| Shapes::new(c, config, campaigns.len()))
        .collect();
    // Each campaign's bodies read once per skeleton, for the whole audit;
    // of their HTML, what the outputs printed (the tallies read that).
    let reads: Vec<crate::template::BodyReads> = campaign_checks
        .iter()
        .map(|checks| {
            crate::template::BodyReads::skeletons_only()
                .leaving_html_out_of(checks.bodies_whose_html_is_unread())
        })
        .collect();
    let mut result = Audit {
        version: 1,
        ..Audit::default()
    };
    // What was read, checked a batch at a time.
    let mut read: Vec<Result<Entry, LoadError>> = Vec::with_capacity(BATCH);
    let mut read_bytes = 0;
    let mut batch: Vec<Customer> = Vec::with_capacity(BATCH);
    let mut unshared_checks = 0;
    let unshared = &mut unshared_checks;
    // A row's profile is made of the columns some campaign reads; checking
    // every customer on their own, of every column.
    let mut kept = match sharing {
        Sharing::Shapes => Kept::read_by(&shapes),
        Sharing::Nothing => Kept::fields(None),
    };
    let columns = &config.profile_columns;
    let check_in = |n: usize, p: &mut Profile, vi: Option<usize>| {
        outcome(&campaign_checks[n], p, vi, &first_slots[n], &reads[n])
    };
    let mut check = |read: &mut Vec<Result<Entry, LoadError>>,
                     tallies: &mut Vec<Tally>,
                     result: &mut Audit| {
        // The campaigns that share checks between shapes in this batch
        // work it out first, each in its own passes, from customers made
        // beforehand; the others check it in one pass over the customers
        // (each profile made once for all of them).
        let keyed: Vec<bool> = shapes
            .iter_mut()
            .map(|shapes| sharing == Sharing::Shapes && shapes.keys_next_batch())
            .collect();
        kept.follow_layout(read);
        let (ways, counted, refused, customers) = if !keyed.contains(&true) {
            // Each entry is made a customer in that pass, just before it
            // is checked: a JSON Lines line is parsed on the core that
            // checks and frees it. (Parsed in a pass of their own, a
            // batch's profiles had left every cache by the time they
            // were checked.)
            let ways: Vec<Way> = keyed.iter().map(|_| Way::OneByOne).collect();
            let entries = read.len();
            let make =
                |entry: Result<Entry, LoadError>| entry.and_then(|e| Customer::of(e, columns));
            let (counted, refused) = count_each(read, &ways, campaigns, &kept, &check_in, make);
            let customers = entries - refused.len();
            (ways, counted, refused, customers)
        } else {
            settle(read, columns, &mut batch, result);
            let ways: Vec<Way> = campaigns
                .iter()
                .zip(shapes.iter_mut())
                .zip(&keyed)
                .enumerate()
                .map(|(n, ((compiled, shapes), &keyed))| {
                    if keyed {
                        let check = |p: &mut Profile, vi| Arc::new(check_in(n, p, vi));
                        shapes.work(&batch, check, &compiled.campaign, &kept)
                    } else {
                        Way::OneByOne
                    }
                })
                .collect();
            let customers = batch.len();
            let (counted, refused) = count_each(&mut batch, &ways, campaigns, &kept, &check_in, Ok);
            (ways, counted, refused, customers)
        };
        for e in refused {
            refuse(result, e);
        }
        result.profiles += customers as u64;
        for (n, way) in ways.iter().enumerate() {
            if matches!(way, Way::OneByOne) {
                match sharing {
                    Sharing::Nothing => *unshared += customers as u64,
                    Sharing::Shapes => shapes[n].checked_one_by_one(customers),
                }
            }
        }
        for (tally, counted) in tallies.iter_mut().zip(counted) {
            tally.merge(counted);
        }
    };
    for record in records {
        read_bytes += record.as_ref().map_or(0, Entry::approximate_bytes);
        read.push(record);
        if read.len() == BATCH || read_bytes > BATCH_BYTES {
            read_bytes = 0;
            check(&mut read, &mut tallies, &mut result);
            progress(result.profiles + result.rejected);
        }
    }
    check(&mut read, &mut tallies, &mut result);
    progress(result.profiles + result.rejected);
    result.checks = unshared_checks
        + shapes
            .iter()
            .map(|s| s.outcomes.worked + s.unshared)
            .sum::<u64>();
    result.campaigns = campaigns
        .iter()
        .zip(tallies)
        .map(|(c, t)| finish(c, config, t))
        .collect();
    result
}

/// One pass on every core over `items`: each made a customer by `make`
/// (or refused), checked through the campaigns worked out one by one,
/// counted with the outcomes of the others (`ways`), and freed (a JSON
/// Lines customer holds their whole profile; a row's was freed by the last
/// campaign that used it). The runs' counts are added up in order: the
/// example ids are the first in the file, and the refused items are in its
/// order. (A pass to check, one to count and one to free kept a core
/// waiting at the end of each.)
fn count_each<T: Send>(
    items: &mut Vec<T>,
    ways: &[Way],
    campaigns: &[Arc<CompiledCampaign>],
    kept: &Kept,
    check_in: &(impl Fn(usize, &mut Profile, Option<usize>) -> Outcome + Sync),
    make: impl Fn(T) -> Result<Customer, LoadError> + Sync,
) -> (Vec<Tally>, Vec<LoadError>) {
    let one_by_one = ways.iter().filter(|w| matches!(w, Way::OneByOne)).count();
    items
        .par_drain(..)
        .enumerate()
        .fold(
            || {
                let counts: Vec<Tally> = campaigns.iter().map(|c| Tally::new(c)).collect();
                (counts, Vec::new())
            },
            |(mut counts, mut refused), (i, item)| {
                let mut customer = match make(item) {
                    Ok(customer) => customer,
                    Err(e) => {
                        refused.push(e);
                        return (counts, refused);
                    }
                };
                let mut left = one_by_one;
                for (n, (way, tally)) in ways.iter().zip(counts.iter_mut()).enumerate() {
                    let checked;
                    let outcome = match way {
                        Way::Keyed(outcomes) => &*outcomes[i],
                        Way::OneByOne => {
                            left -= 1;
                            // The profile is kept while campaigns after
                            // this one check it.
                            checked = customer.with_profile(left > 0, kept, |p| {
                                let vi = crate::select::select(&campaigns[n].campaign, p);
                                check_in(n, p, vi)
                            });
                            &checked
                        }
                    };
                    tally.add(|| customer.id(), outcome);
                }
                (counts, refused)
            },
        )
        .reduce_with(|(mut earlier, mut refused), (later, later_refused)| {
            for (tally, later) in earlier.iter_mut().zip(later) {
                tally.merge(later);
            }
            refused.extend(later_refused);
            (earlier, refused)
        })
        .unwrap_or_default()
}

/// Makes what was `read` into the `batch`'s customers, and refuses what
/// holds none, in the order of the file. JSON Lines lines (and records of
/// a JSON file) are made into profiles on every core; a CSV row stays
/// cells, at no cost worth a pass on the cores.
fn settle(
    read: &mut Vec<Result<Entry, LoadError>>,
    columns: &ProfileColumns,
    batch: &mut Vec<Customer>,
    result: &mut Audit,
) {
    let customer = |entry: Result<Entry, LoadError>| entry.and_then(|e| Customer::of(e, columns));
    let mut keep = |customer| match customer {
        Ok(customer) => batch.push(customer),
        Err(e) => refuse(result, e),
    };
    if read
        .iter()
        .any(|entry| matches!(entry, Ok(Entry::Line(_) | Entry::Record(_))))
    {
        let made: Vec<Result<Customer, LoadError>> = read.par_drain(..).map(customer).collect();
        made.into_iter().for_each(keep);
    } else {
        read.drain(..).map(customer).for_each(&mut keep);
    }
}

/// Counts a record that holds no customer, and lists it among the first.
fn refuse(result: &mut Audit, e: LoadError) {
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

fn finish(compiled: &CompiledCampaign, config: &Config, tally: Tally) -> CampaignAudit {
    let campaign = &compiled.campaign;
    let total = tally.profiles.max(1) as f64;
    let sms = campaign.channel == crate::project::Channel::Sms;
    let variants = campaign
        .variants
        .iter()
        .zip(&tally.reach)
        .zip(&tally.sms_parts)
        .zip(&tally.outcomes)
        .map(
            |(((v, reach), parts), [sent, aborted, failed])| VariantReach {
                id: v.id.clone(),
                reach: *reach,
                share: (*reach as f64 / total * 10_000.0).round() / 10_000.0,
                below_min_reach: *reach < config.audit.min_reach,
                sent: *sent,
                aborted: *aborted,
                failed: *failed,
                sms_parts: sms.then(|| parts.clone()),
            },
        )
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
            file: token.loc.file.to_string(),
            line: token.loc.line,
            column: token.loc.column,
            received: tally.reach[*vi],
            fallback: *fallback,
            empty: *empty,
        });
    }
    let mut rules = Vec::new();
    if tally.no_variant > 0
        && let Some(severity) = crate::rules::severity(config, RuleId::NoVariant)
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
        let Some(severity) = crate::rules::severity(config, rule) else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::records::{RecordFormat, read_entries};
    use serde_json::{Map, Value};

    /// The shipped examples: every rule fires on some profile there.
    fn examples() -> (crate::project::Project, Vec<Arc<CompiledCampaign>>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let project = crate::project::load_project(&root);
        let (compiled, _, _) = crate::engine::compile_project(&project);
        assert!(compiled.len() > 10, "the examples load");
        (project, compiled)
    }

    /// A seeded list of `n` customers made of the examples' sample and edge
    /// profiles: half of them one such profile whole, half a mix of their
    /// fields, so that shapes repeat and differ.
    fn customers(
        project: &crate::project::Project,
        compiled: &[Arc<CompiledCampaign>],
        n: usize,
    ) -> Vec<Map<String, Value>> {
        let mut pool: Vec<Map<String, Value>> = Vec::new();
        for c in compiled {
            let edges = crate::edge::synthesize(c, &project.profiles, &project.config);
            let profiles = project.profiles.iter().cloned();
            for p in profiles.chain(edges.whole_profiles(&project.profiles)) {
                if let Value::Object(map) = &p.data {
                    pool.push(map.clone());
                }
            }
        }
        let keys: Vec<String> = {
            let mut keys: Vec<String> = pool.iter().flat_map(|m| m.keys().cloned()).collect();
            keys.sort();
            keys.dedup();
            keys
        };
        let mut random = crate::testkit::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = |bound: usize| (random() % bound as u64) as usize;
        (0..n)
            .map(|i| {
                let mut record = if next(2) == 0 {
                    pool[next(pool.len())].clone()
                } else {
                    let mut mixed = Map::new();
                    for key in &keys {
                        if let Some(v) = pool[next(pool.len())].get(key) {
                            mixed.insert(key.clone(), v.clone());
                        }
                    }
                    mixed
                };
                record.insert("id".into(), Value::String(format!("c-{i}")));
                record
            })
            .collect()
    }

    fn json_lines(customers: &[Map<String, Value>]) -> String {
        customers
            .iter()
            .map(|c| serde_json::to_string(c).unwrap() + "\n")
            .collect()
    }

    /// The customers as a CSV export: one column per scalar at a dotted
    /// path (lists have no cell).
    fn csv(customers: &[Map<String, Value>]) -> String {
        fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        leaves(&format!("{prefix}{k}."), v, out);
                    }
                }
                Value::Array(_) => {}
                Value::Null => out.push((prefix.trim_end_matches('.').into(), String::new())),
                Value::String(s) => out.push((prefix.trim_end_matches('.').into(), s.clone())),
                other => out.push((prefix.trim_end_matches('.').into(), other.to_string())),
            }
        }
        let rows: Vec<Vec<(String, String)>> = customers
            .iter()
            .map(|c| {
                let mut out = Vec::new();
                leaves("", &Value::Object(c.clone()), &mut out);
                out
            })
            .collect();
        let mut header: Vec<String> = rows.iter().flatten().map(|(k, _)| k.clone()).collect();
        header.sort();
        header.dedup();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&header).unwrap();
        for row in &rows {
            let cells: Vec<&str> = header
                .iter()
                .map(|h| {
                    row.iter()
                        .find(|(k, _)| k == h)
                        .map_or("", |(_, v)| v.as_str())
                })
                .collect();
            writer.write_record(&cells).unwrap();
        }
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    }

    fn run(
        compiled: &[Arc<CompiledCampaign>],
        config: &Config,
        text: impl AsRef<[u8]>,
        file: &str,
        sharing: Sharing,
    ) -> Audit {
        let mut entries = Vec::new();
        read_entries(
            text.as_ref(),
            RecordFormat::of(file).unwrap(),
            file,
            &config.profile_columns,
            &mut |e| entries.push(e),
        );
        audit_with(
            compiled,
            config,
            &[],
            &mut entries.into_iter(),
            &|_| {},
            sharing,
        )
    }

    /// `lint` and `audit` take one decision on what counts: an inline
    /// `mergeproof-allow` accepts the finding in both (waived in lint, not
    /// counted in audit), and without it both count it.
    #[test]
    fn an_inline_allow_counts_the_same_in_lint_and_audit() {
        for (how, allow) in [("inline", true), ("variant", true), ("none", false)] {
            let comment = if how == "inline" {
                "{{!-- mergeproof-allow missing-fallback: the greeting reads well without a name --}}"
            } else {
                ""
            };
            let on_variant = if how == "variant" {
                "    allow:\n      - { rule: missing-fallback, reason: reads well }\n"
            } else {
                ""
            };
            let body = format!("Hi {comment}{{{{first_name}}}}, your order shipped");
            let files: std::collections::BTreeMap<String, String> = [
                (
                    "campaigns/shipped.yaml".to_string(),
                    format!(
                        "variants:\n  - id: all\n{on_variant}    subject: Shipped\n    body: {}\n",
                        serde_json::to_string(&body).unwrap()
                    ),
                ),
                (
                    "sample-profiles/ana.yaml".into(),
                    "first_name: Ana\n".into(),
                ),
                (
                    "sample-profiles/ben.yaml".into(),
                    "email: ben@example.com\n".into(),
                ),
            ]
            .into_iter()
            .collect();
            let project = crate::project::load_project_from_memory(&files);
            assert!(
                project.load_errors.is_empty(),
                "{how}: {:?}",
                project.load_errors
            );
            let options = crate::engine::Options {
                edge_cases: false,
                ..Default::default()
            };
            let run = crate::engine::run(&project, &options, &Default::default());
            let linted: Vec<_> = run
                .findings()
                .filter(|f| f.rule == RuleId::MissingFallback)
                .collect();
            assert_eq!(linted.len(), 1, "{how}");
            assert_eq!(linted[0].waived, allow);

            let (compiled, _, _) = crate::engine::compile_project(&project);
            let list = "{\"id\": \"c-1\", \"first_name\": \"Cy\"}\n{\"id\": \"c-2\"}\n";
            let audited = run_audit(&compiled, &project.config, list);
            let counted = audited.campaigns[0]
                .rules
                .iter()
                .filter(|r| r.rule == RuleId::MissingFallback)
                .map(|r| r.profiles)
                .sum::<u64>();
            assert_eq!(counted, if allow { 0 } else { 1 }, "{how}");
        }
    }

    /// The export `text` audited checking every customer and sharing
    /// shapes, whose reports must be the same: (checking every customer,
    /// sharing).
    fn each_and_shared(
        compiled: &[Arc<CompiledCampaign>],
        config: &Config,
        text: &str,
        file: &str,
    ) -> (Audit, Audit) {
        let each = run(compiled, config, text, file, Sharing::Nothing);
        let shared = run(compiled, config, text, file, Sharing::Shapes);
        assert_eq!(
            serde_json::to_string_pretty(&shared).unwrap(),
            serde_json::to_string_pretty(&each).unwrap(),
            "{file}"
        );
        (each, shared)
    }

    /// [`each_and_shared`] of `list` from CSV and from JSON Lines: (file,
    /// checking every customer, sharing) for each.
    fn audited_both_ways(
        compiled: &[Arc<CompiledCampaign>],
        config: &Config,
        list: &[Map<String, Value>],
    ) -> Vec<(&'static str, Audit, Audit)> {
        [(csv(list), "list.csv"), (json_lines(list), "list.jsonl")]
            .into_iter()
            .map(|(text, file)| {
                let (each, shared) = each_and_shared(compiled, config, &text, file);
                (file, each, shared)
            })
            .collect()
    }

    fn run_audit(compiled: &[Arc<CompiledCampaign>], config: &Config, jsonl: &str) -> Audit {
        run(compiled, config, jsonl, "list.jsonl", Sharing::Shapes)
    }

    /// JSON Lines lines are parsed where the batch is checked, but a line
    /// that is no profile is listed where the file has it: among the lines
    /// the reader refused itself (not UTF-8), and across batches.
    #[test]
    fn rejected_lines_are_listed_in_the_order_of_the_file() {
        let (project, compiled) = examples();
        let mut text = Vec::new();
        let mut refused = Vec::new();
        for line in 1..=BATCH + 40 {
            let bad: &[u8] = match line % 97 {
                3 => b"{\"id\": \"cut\", \"first_name\": ",
                4 => b"\xff not text",
                5 => b"\"a single value\"",
                6 => b"{\"id\": [1]}",
                _ => b"",
            };
            if bad.is_empty() {
                text.extend_from_slice(format!("{{\"id\": \"c{line}\"}}").as_bytes());
            } else {
                text.extend_from_slice(bad);
                refused.push(line as u32);
            }
            text.push(b'\n');
        }
        // Customers who share their shape are parsed before the batch is
        // keyed; checked one by one, each is parsed in the pass that checks
        // them.
        for sharing in [Sharing::Shapes, Sharing::Nothing] {
            let audit = run(&compiled, &project.config, &text, "list.jsonl", sharing);
            let listed: Vec<u32> = audit.rejected_records.iter().map(|r| r.line).collect();
            assert_eq!(listed, refused);
            assert_eq!(audit.rejected, refused.len() as u64);
            assert_eq!(audit.profiles, (BATCH + 40 - refused.len()) as u64);
            // The reader's own refusal and the parser's, each in its words.
            let said = |n: usize| &audit.rejected_records[n].message;
            assert!(said(0).contains("ends inside its JSON"), "{}", said(0));
            assert!(said(1).contains("not UTF-8"), "{}", said(1));
            assert!(said(2).contains("not a single value"), "{}", said(2));
            assert!(
                said(3).contains("must be a text or a number"),
                "{}",
                said(3)
            );
        }
    }

    /// A row's profile is made of the columns the campaigns read alone, and
    /// the report is the one checking every customer's whole row gives:
    /// campaign by campaign (each reads a few fields of its own), of a list
    /// whose rows hold a column no template reads.
    #[test]
    fn columns_no_campaign_reads_change_nothing() {
        let (project, compiled) = examples();
        let mut list = customers(&project, &compiled, 300);
        for (n, customer) in list.iter_mut().enumerate() {
            let ip = format!("10.0.{}.{}", n / 250, n % 250);
            customer.insert("signup_ip".to_string(), Value::String(ip));
        }
        let text = csv(&list);
        let mut fewer = 0;
        for campaign in &compiled {
            let one = std::slice::from_ref(campaign);
            let kept = Kept::read_by(&[Shapes::new(campaign, &project.config, 1)]);
            if kept
                .names()
                .is_some_and(|names| !names.iter().any(|n| n == "signup_ip"))
            {
                fewer += 1;
            }
            each_and_shared(one, &project.config, &text, "exports/list.csv");
        }
        // The test means something: most campaigns leave columns out.
        assert!(
            fewer * 2 > compiled.len(),
            "{fewer} of {} campaigns leave a column out",
            compiled.len()
        );
    }

    /// Sharing a check between customers of one shape changes nothing: the
    /// report is the one rendering and checking every customer gives.
    #[test]
    fn sharing_gives_the_report_of_checking_everyone() {
        let (project, compiled) = examples();
        let list = customers(&project, &compiled, 2000);
        for (text, file) in [
            (csv(&list), "exports/list.csv"),
            (json_lines(&list), "exports/list.jsonl"),
        ] {
            let (each, shared) = each_and_shared(&compiled, &project.config, &text, file);
            assert_eq!(each.profiles, 2000, "{file}");
            // The test means something: many rules fire, and shapes repeat.
            let rules: std::collections::BTreeSet<RuleId> = each
                .campaigns
                .iter()
                .flat_map(|c| c.rules.iter().map(|r| r.rule))
                .collect();
            assert!(rules.len() >= 8, "{file}: only {rules:?} fired");
            assert!(
                shared.checks * 2 < each.checks,
                "{file}: {} checks shared against {}",
                shared.checks,
                each.checks
            );
        }
    }

    /// A list whose first batch shares no shape is checked customer by
    /// customer for a while, then keyed again: the report is the one
    /// checking everyone gives, and sharing resumes where the list repeats.
    #[test]
    fn a_list_of_distinct_customers_is_checked_one_by_one_and_the_same() {
        let compiled = vec![Arc::new(crate::testkit::compiled(
            &crate::testkit::one_variant(
                "Hi {{first_name}}",
                "<p>Hi {{first_name}}, {{points}} points</p>",
            ),
        ))];
        let config = Config::default();
        let mut list = String::new();
        // One batch of distinct customers, the batches checked one by one,
        // then two batches of one repeated shape.
        let distinct = BATCH;
        let total = BATCH * (2 + shapes::UNSHARED_BATCHES as usize + 1);
        for i in 0..total {
            let line = if i < distinct {
                format!(
                    "{{\"id\": \"c{i}\", \"first_name\": \"N{i}\", \"points\": {}}}\n",
                    i % 3
                )
            } else {
                format!("{{\"id\": \"c{i}\", \"points\": 0}}\n")
            };
            list.push_str(&line);
        }
        let (each, shared) = each_and_shared(&compiled, &config, &list, "list.jsonl");
        assert_eq!(each.profiles, total as u64);
        // Every customer of the first batch and of the batches after it is
        // checked; of the last batches, one of each shape.
        let one_by_one = (distinct * (1 + shapes::UNSHARED_BATCHES as usize)) as u64;
        assert!(
            shared.checks > one_by_one && shared.checks < one_by_one + 10,
            "{} checks",
            shared.checks
        );
    }

    /// Customers whose audiences read values each has their own: after a
    /// batch that shares no selection, the next batches select customer by
    /// customer, and the report is the one checking everyone gives.
    #[test]
    fn a_list_of_distinct_audience_values_is_selected_one_by_one_and_the_same() {
        let compiled = vec![Arc::new(crate::testkit::compiled(
            "variants:\n  - id: many\n    audience: { field: points, gte: 5000 }\n    subject: Hi\n    body: \"<p>{{points}} points</p>\"\n  - id: few\n    audience: { field: points, gt: 0 }\n    subject: Hi\n    body: \"<p>Only {{points}} points</p>\"\n",
        ))];
        let config = Config::default();
        let total = BATCH * (2 + shapes::UNSHARED_BATCHES as usize + 1);
        let list: String = (0..total)
            .map(|i| format!("{{\"id\": \"c{i}\", \"points\": {i}}}\n"))
            .collect();
        let (each, _) = each_and_shared(&compiled, &config, &list, "list.jsonl");
        // The test means something: both variants and none are chosen.
        let reach: Vec<u64> = each.campaigns[0].variants.iter().map(|v| v.reach).collect();
        assert_eq!(reach, vec![(total - 5000) as u64, 4999]);
    }

    /// Customers who each print a name of their own (no check is shared)
    /// in tiers of few values (selections are): the batches after the
    /// first check customer by customer and select by the tiers kept (a
    /// tier first seen there is kept from its first customer), and the
    /// report is the one checking everyone gives, from CSV and JSON Lines.
    #[test]
    fn distinct_customers_of_few_audiences_are_selected_by_what_was_kept() {
        let compiled = vec![Arc::new(crate::testkit::compiled(
            "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: Hi\n    body: \"<p>Gold for {{first_name}}</p>\"\n  - id: silver\n    audience: { field: tier, eq: silver }\n    subject: Hi\n    body: \"<p>Silver for {{first_name}}</p>\"\n  - id: rest\n    subject: Hi\n    body: \"<p>Hi {{first_name}}</p>\"\n",
        ))];
        let config = Config::default();
        let total = BATCH * (2 + shapes::UNSHARED_BATCHES as usize + 1);
        // A fourth tier once customers are checked one by one.
        let tier = |i: usize| match i % if i < BATCH { 3 } else { 4 } {
            0 => "gold",
            1 => "silver",
            2 => "bronze",
            _ => "late",
        };
        let list: Vec<Map<String, Value>> = (0..total)
            .map(|i| {
                serde_json::json!({"id": format!("c{i}"), "first_name": format!("N{i}"), "tier": tier(i)})
                    .as_object()
                    .cloned()
                    .unwrap()
            })
            .collect();
        for (file, each, _) in audited_both_ways(&compiled, &config, &list) {
            let reach: Vec<u64> = each.campaigns[0].variants.iter().map(|v| v.reach).collect();
            let of =
                |tiers: &[&str]| (0..total).filter(|&i| tiers.contains(&tier(i))).count() as u64;
            assert_eq!(
                reach,
                vec![of(&["gold"]), of(&["silver"]), of(&["bronze", "late"])],
                "{file}"
            );
        }
    }

    /// Campaigns that share checks and campaigns that do not, in one
    /// batch: the two printing each customer's own code go through it in
    /// one pass, the profile made once for both and kept between them,
    /// while the one that reads only names and tiers of few values shares
    /// its shapes; the report is the one checking everyone gives, from CSV
    /// and JSON Lines.
    #[test]
    fn campaigns_that_share_and_campaigns_that_do_not_count_alike() {
        let campaign = |id: &str, body: &str| {
            Arc::new(crate::testkit::compiled(&format!(
                "id: {id}\nvariants:\n  - id: gold\n    audience: {{ field: tier, eq: gold }}\n    subject: Hi\n    body: \"<p>{body}</p>\"\n  - id: rest\n    subject: Hi\n    body: \"<p>{body}, {{{{tier}}}}</p>\"\n"
            )))
        };
        let compiled = vec![
            campaign("codes", "Hi {{first_name}}, your code is {{code}}"),
            campaign("tiers", "Hi {{first_name}}, {{tier}} member"),
            campaign("points", "{{code}}: {{points}} points"),
        ];
        let config = Config::default();
        let total = BATCH * (2 + shapes::UNSHARED_BATCHES as usize + 1);
        let tiers = ["gold", "silver", "bronze"];
        let names = ["", "Ann", "Loren", "Sam", "Jo", "Kim"];
        let list: Vec<Map<String, Value>> = (0..total)
            .map(|i| {
                serde_json::json!({
                    "id": format!("c{i}"),
                    "first_name": names[i % names.len()],
                    "tier": tiers[i % 3],
                    "points": i % 5,
                    "code": format!("K{i}"),
                })
                .as_object()
                .cloned()
                .unwrap()
            })
            .collect();
        for (file, each, shared) in audited_both_ways(&compiled, &config, &list) {
            // The test means something: names missing are counted, and
            // only the tiers' campaign shared its checks (each customer is
            // checked once in each of the other two).
            assert!(!each.campaigns[1].rules.is_empty(), "{file}");
            assert!(
                shared.checks > 2 * total as u64 && shared.checks < 2 * total as u64 + 1000,
                "{file}: {} checks",
                shared.checks
            );
        }
    }

    /// The sample profiles as a customer list: every rule a cell can fire
    /// on them is counted per variant, the SMS measured against the
    /// samples' shortest message.
    #[test]
    fn audit_counts_the_new_rules_per_variant() {
        let (project, compiled) = examples();
        let list: Vec<Map<String, Value>> = project
            .profiles
            .iter()
            .filter_map(|p| p.data.as_object().cloned())
            .collect();
        let mut entries = Vec::new();
        read_entries(
            json_lines(&list).as_bytes(),
            RecordFormat::of("list.jsonl").unwrap(),
            "list.jsonl",
            &project.config.profile_columns,
            &mut |e| entries.push(e),
        );
        let audit = audit(
            &compiled,
            &project.config,
            &project.profiles,
            &mut entries.into_iter(),
            &|_| {},
        );
        let counted = |campaign: &str, rule: RuleId| {
            audit
                .campaigns
                .iter()
                .find(|c| c.id == campaign)
                .and_then(|c| c.rules.iter().find(|r| r.rule == rule))
                .map(|r| (r.variant.clone().unwrap_or_default(), r.profiles))
        };
        assert_eq!(
            counted("orders-ready-sms", RuleId::SmsSegments),
            Some(("named".to_string(), 1))
        );
        assert_eq!(
            counted("orders-ready-sms", RuleId::PluralAgreement),
            Some(("named".to_string(), 1))
        );
        assert_eq!(
            counted("vip-early-access", RuleId::GuardMismatch),
            Some(("platinum".to_string(), 1))
        );
        // The parts each SMS customer's message takes, by variant.
        let sms = audit
            .campaigns
            .iter()
            .find(|c| c.id == "orders-ready-sms")
            .unwrap();
        assert_eq!(
            sms.variants[0].sms_parts,
            Some(BTreeMap::from([(1, 1), (2, 1)]))
        );
        let email = &audit.campaigns[0].variants[0];
        assert_eq!(email.sms_parts, None);
    }

    #[test]
    fn the_audience_part_is_what_audiences_read() {
        let campaign = crate::testkit::campaign(
            "variants:\n  - id: a\n    audience: { field: loyalty.tier, eq: gold }\n    subject: s\n    body: b\n  - id: b\n    audience: { any: [ { field: age, gte: 18 }, { field: loyalty.points, gt: 0 } ] }\n    subject: s\n    body: b\n  - id: c\n    subject: s\n    body: b\n",
        );
        assert_eq!(
            crate::edge::audience_fields(&campaign),
            Some(vec!["age".to_string(), "loyalty".to_string()])
        );
    }
}
