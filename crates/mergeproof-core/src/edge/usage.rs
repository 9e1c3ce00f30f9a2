//! Which fields a variant reads, and how: printed by a token, compared with a
//! number, looped over, tested by an audience or a sensitive category's policy.
//! How a field is used decides which edge cases it gets (see `cases`).

use serde_json::Value;

use crate::audience::{Condition, Op, as_number};
use crate::config::Config;
use crate::template::{CompiledCampaign, CompiledTemplate};

/// Profile keys that are not data (`id`, `description`): a template that reads
/// them always sees nothing, and an edge case cannot set them.
const RESERVED: [&str; 2] = ["id", "description"];

/// How one variant reads one data path.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct FieldUse {
    /// Dotted path; `[]` stands for each item of a list.
    pub path: String,
    /// A token prints it (`{{first_name}}`, `{{default first_name "x"}}`, a
    /// partial called with it).
    pub printed: bool,
    /// Compared with a number, named in `balance_fields`, or formatted by
    /// `currency`: it gets the number cases.
    pub numeric: bool,
    /// Compared with `true`/`false`.
    pub boolean: bool,
    /// Looped over by `{{#each}}`.
    pub list: bool,
    /// Printed into a link or image URL: it gets the URL cases too.
    pub in_url: bool,
    /// The values the conditions on it turn on.
    pub boundaries: Vec<Boundary>,
}

impl FieldUse {
    fn new(path: &str) -> Self {
        Self {
            path: path.to_string(),
            printed: false,
            numeric: false,
            boolean: false,
            list: false,
            in_url: false,
            boundaries: Vec::new(),
        }
    }
}

/// A condition on a field, whose values just below, at and above (or in and
/// outside) become edge cases.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Boundary {
    /// An audience or policy leaf (`age gte 18`, `household.has_infant eq true`).
    Leaf { op: Op, source: String },
    /// A literal a template condition compares the field with
    /// (`{{#if (gt loyalty.points 0)}}` gives 0). `shared` when the condition
    /// reads several fields, so that the literal may belong to another one.
    Literal {
        value: Value,
        shared: bool,
        source: String,
    },
    /// A sensitive category's `min_age` on the configured age field.
    MinAge { category: String, min_age: f64 },
}

/// The fields of every variant, in variant order. What kind of value a field
/// holds (number, boolean, list) is decided over the whole campaign: a field
/// compared as a number in one variant's audience is a number where another
/// variant prints it too.
pub(super) fn campaign_fields(compiled: &CompiledCampaign, config: &Config) -> Vec<Vec<FieldUse>> {
    let mut per_variant: Vec<Vec<FieldUse>> = (0..compiled.variants.len())
        .map(|vi| variant_fields(compiled, vi, config))
        .collect();
    let mut kinds: Vec<FieldUse> = Vec::new();
    for field in per_variant.iter().flatten() {
        let k = entry(&mut kinds, &field.path);
        k.numeric |= field.numeric;
        k.boolean |= field.boolean;
        k.list |= field.list;
    }
    for field in per_variant.iter_mut().flatten() {
        if let Some(k) = kinds.iter().find(|k| k.path == field.path) {
            field.numeric = k.numeric;
            field.boolean = k.boolean;
            field.list = k.list;
        }
    }
    per_variant
}

/// Every field one variant reads, in a stable order: its audience first, then
/// the policies of its sensitive categories, then its templates (subject,
/// preheader, body; tokens before block conditions).
pub(super) fn variant_fields(
    compiled: &CompiledCampaign,
    vi: usize,
    config: &Config,
) -> Vec<FieldUse> {
    let mut fields: Vec<FieldUse> = Vec::new();
    let campaign = &compiled.campaign;
    let Some(variant) = campaign.variants.get(vi) else {
        return fields;
    };
    if let Some(audience) = &variant.audience {
        let source = format!("audience of `{}`", variant.id);
        add_condition(&mut fields, audience, &source);
    }
    for category in campaign.categories.iter().chain(variant.categories.iter()) {
        let Some(policy) = config.sensitive_categories.get(category) else {
            continue;
        };
        if let Some(min_age) = policy.min_age.filter(|a| a.is_finite()) {
            let f = entry(&mut fields, &config.fields.age);
            f.numeric = true;
            push_unique(
                &mut f.boundaries,
                Boundary::MinAge {
                    category: category.clone(),
                    min_age,
                },
            );
        }
        if let Some(requires) = &policy.requires {
            add_condition(
                &mut fields,
                requires,
                &format!("policy of category `{category}`"),
            );
        }
    }
    if let Some(templates) = compiled.variants.get(vi) {
        for template in templates.templates() {
            add_template(&mut fields, template, &variant.id);
        }
    }
    for f in &mut fields {
        f.numeric |= config.is_balance_field(&f.path);
    }
    fields.retain(|f| !RESERVED.contains(&f.path.as_str()));
    fields
}

fn add_condition(fields: &mut Vec<FieldUse>, condition: &Condition, source: &str) {
    for leaf in condition.leaves() {
        let f = entry(fields, &leaf.field);
        match &leaf.op {
            Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => {
                f.numeric |= as_number(v).is_some();
            }
            Op::Eq(v) | Op::Ne(v) => {
                f.numeric |= v.is_number();
                f.boolean |= v.is_boolean();
            }
            Op::In(list) | Op::NotIn(list) => {
                f.numeric |= !list.is_empty() && list.iter().all(Value::is_number);
                f.boolean |= !list.is_empty() && list.iter().all(Value::is_boolean);
            }
            Op::Exists(_) | Op::Contains(_) => {}
        }
        push_unique(
            &mut f.boundaries,
            Boundary::Leaf {
                op: leaf.op.clone(),
                source: source.to_string(),
            },
        );
    }
}

fn add_template(fields: &mut Vec<FieldUse>, template: &CompiledTemplate, variant: &str) {
    let analysis = &template.analysis;
    for token in &analysis.tokens {
        for (i, read) in token.reads.iter().enumerate() {
            let f = entry(fields, &read.path);
            f.printed = true;
            f.in_url |= token.place.is_url();
            // `{{currency account.balance account.currency}}`: the amount.
            if i == 0 && token.formats_money {
                f.numeric = true;
            }
        }
    }
    for block in &analysis.blocks {
        if block.role == crate::dialect::BlockRole::Loop
            && let Some(list) = block.paths.first()
        {
            entry(fields, list).list = true;
        }
        let shared = block.paths.len() > 1;
        let source = format!(
            "`{}` in the {} of `{variant}`",
            block.written, template.field
        );
        for path in &block.paths {
            let f = entry(fields, path);
            for literal in &block.literals {
                if !shared {
                    f.numeric |= literal.is_number();
                    f.boolean |= literal.is_boolean();
                }
                push_unique(
                    &mut f.boundaries,
                    Boundary::Literal {
                        value: literal.clone(),
                        shared,
                        source: source.clone(),
                    },
                );
            }
        }
    }
    for path in &analysis.other_reads {
        entry(fields, path).printed = true;
    }
}

fn entry<'a>(fields: &'a mut Vec<FieldUse>, path: &str) -> &'a mut FieldUse {
    let index = match fields.iter().position(|f| f.path == path) {
        Some(i) => i,
        None => {
            fields.push(FieldUse::new(path));
            fields.len() - 1
        }
    };
    &mut fields[index]
}

fn push_unique(list: &mut Vec<Boundary>, boundary: Boundary) {
    if !list.contains(&boundary) {
        list.push(boundary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::compiled;
    use serde_json::json;

    fn find<'a>(fields: &'a [FieldUse], path: &str) -> &'a FieldUse {
        fields
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no field {path} in {fields:?}"))
    }

    #[test]
    fn reads_audiences_policies_tokens_blocks_and_loops() {
        let c = compiled(
            "categories: [alcohol]\nvariants:\n  - id: a\n    audience: { field: age, gte: 18 }\n    categories: [baby]\n    subject: \"{{first_name}}\"\n    body: \"{{#if (gt loyalty.points 0)}}{{loyalty.points}}{{/if}}{{#each orders}}{{sku}}{{/each}}{{currency account.balance account.currency}}{{#if (eq gender \\\"male\\\")}}Mr.{{/if}}\"\n",
        );
        let fields = variant_fields(&c, 0, &Config::default());
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "age",
                "household.has_infant",
                "first_name",
                "loyalty.points",
                "orders.[].sku",
                "account.balance",
                "account.currency",
                "orders",
                "gender"
            ]
        );
        let age = find(&fields, "age");
        assert!(age.numeric && !age.printed);
        assert_eq!(age.boundaries.len(), 3, "gte 18, alcohol 21, baby 18");
        assert!(matches!(
            &age.boundaries[1],
            Boundary::MinAge { category, min_age } if category == "alcohol" && *min_age == 21.0
        ));
        assert!(find(&fields, "first_name").printed);
        let points = find(&fields, "loyalty.points");
        assert!(points.printed && points.numeric);
        assert_eq!(
            points.boundaries,
            [Boundary::Literal {
                value: json!(0),
                shared: false,
                source: "`{{#if}}` in the body of `a`".into()
            }]
        );
        assert!(find(&fields, "orders").list);
        assert!(find(&fields, "orders.[].sku").printed);
        assert!(find(&fields, "account.balance").numeric);
        assert!(!find(&fields, "account.currency").numeric);
        assert!(find(&fields, "household.has_infant").boolean);
        assert!(!find(&fields, "gender").printed);
    }

    #[test]
    fn kinds_are_shared_across_variants() {
        let c = compiled(
            "variants:\n  - id: a\n    audience: { field: score, gt: 5 }\n    subject: x\n    body: x\n  - id: b\n    subject: \"{{score}}\"\n    body: x\n",
        );
        let fields = campaign_fields(&c, &Config::default());
        let score_b = find(&fields[1], "score");
        assert!(score_b.numeric && score_b.printed);
        assert!(score_b.boundaries.is_empty());
    }

    #[test]
    fn reserved_keys_are_not_fields() {
        let c = compiled(
            "variants:\n  - id: a\n    subject: \"{{id}} {{description}}\"\n    body: x\n",
        );
        assert!(variant_fields(&c, 0, &Config::default()).is_empty());
    }
}
