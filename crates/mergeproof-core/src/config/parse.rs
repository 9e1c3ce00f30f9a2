//! Reading `mergeproof.yaml`: the raw document as serde reads it, then each
//! key checked and turned into the [`Config`], every problem an error at its
//! place and the rest of the file still read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{
    AuditSettings, CategoryPolicy, Config, EdgeCaseSettings, FieldNames, FrontMatter, parse_dialect,
};
use crate::audience::{RawCondition, build_condition};
use crate::dialect::{DeclaredHelper, Dialect, Returns};
use crate::finding::SeverityLevel;
use crate::rule_id::RuleId;
use crate::source::{LoadError, SourceLoc};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    personal_fields: Option<Vec<String>>,
    unsafe_terms: Option<Vec<String>>,
    balance_fields: Option<Vec<String>>,
    fields: Option<FieldNames>,
    sensitive_categories: Option<BTreeMap<String, Spanned<RawCategory>>>,
    sensitive_fields: Option<Vec<String>>,
    clients: Option<Spanned<OrderedMap>>,
    rules: Option<Spanned<BTreeMap<String, RawRuleSetting>>>,
    edge_cases: Option<EdgeCaseSettings>,
    dialect: Option<Spanned<String>>,
    helpers: Option<BTreeMap<String, Spanned<RawHelper>>>,
    profile_columns: Option<Spanned<OrderedMap>>,
    audit: Option<AuditSettings>,
    trusted_html: Option<Vec<String>>,
    literal_tags: Option<Spanned<Vec<String>>>,
    categories: Option<Vec<String>>,
    front_matter: Option<Spanned<String>>,
    merge_tags: Option<BTreeMap<String, String>>,
    merge_field_defaults: Option<BTreeMap<String, String>>,
    // Each list and table of names has an `extend_` form that adds to the
    // built-in defaults instead of replacing them.
    extend_personal_fields: Option<Vec<String>>,
    extend_unsafe_terms: Option<Vec<String>>,
    extend_balance_fields: Option<Vec<String>>,
    extend_sensitive_fields: Option<Vec<String>>,
    extend_trusted_html: Option<Vec<String>>,
    extend_literal_tags: Option<Spanned<Vec<String>>>,
    extend_categories: Option<Vec<String>>,
    extend_clients: Option<Spanned<OrderedMap>>,
    extend_sensitive_categories: Option<BTreeMap<String, Spanned<RawCategory>>>,
}

/// A list key and its `extend_` form: the first replaces the list, the
/// second adds what it does not hold yet.
fn set_list(list: &mut Vec<String>, replace: Option<Vec<String>>, extend: Option<Vec<String>>) {
    if let Some(v) = replace {
        *list = v;
    }
    for item in extend.unwrap_or_default() {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHelper {
    returns: Option<String>,
    #[serde(default)]
    block: bool,
    #[serde(default)]
    interpolate: bool,
    #[serde(default)]
    html: bool,
    like: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    min_age: Option<Spanned<f64>>,
    requires: Option<Spanned<RawCondition>>,
}

/// `subject-truncation: { severity: warning }`, or as shorthand
/// `subject-truncation: off`.
#[derive(Debug)]
enum RawRuleSetting {
    Level(SeverityLevel),
    /// YAML 1.1 reads a bare `off` as `false` (and `on` as `true`).
    Switch(bool),
}

impl<'de> Deserialize<'de> for RawRuleSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawRuleSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a severity: error, warning, info or off (or `{ severity: warning }`)")
            }
            fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<RawRuleSetting, E> {
                Ok(RawRuleSetting::Switch(on))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawRuleSetting, E> {
                SeverityLevel::deserialize(serde::de::value::StrDeserializer::<E>::new(text))
                    .map(RawRuleSetting::Level)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawRuleSetting, A::Error> {
                let mut level = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "severity" {
                        return Err(serde::de::Error::unknown_field(&key, &["severity"]));
                    }
                    level = Some(map.next_value::<SeverityLevel>()?);
                }
                level
                    .map(RawRuleSetting::Level)
                    .ok_or_else(|| serde::de::Error::missing_field("severity"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl RawRuleSetting {
    /// The level set, or `None` for `on` (the rule at its own severity).
    fn severity(&self) -> Option<SeverityLevel> {
        match self {
            RawRuleSetting::Level(level) => Some(*level),
            RawRuleSetting::Switch(false) => Some(SeverityLevel::Off),
            RawRuleSetting::Switch(true) => None,
        }
    }
}

/// `clients` is a mapping in the file, read in the file's order (the TUI
/// cycles through the clients in that order).
#[derive(Debug)]
struct OrderedMap(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for OrderedMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of names to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedMap, A::Error> {
                let mut list = Vec::new();
                while let Some((name, width)) = map.next_entry::<String, serde_json::Value>()? {
                    list.push((name, width));
                }
                Ok(OrderedMap(list))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The policies of `sensitive_categories:` (or its `extend_` form).
fn policies(
    categories: BTreeMap<String, Spanned<RawCategory>>,
    file: &str,
    errors: &mut Vec<LoadError>,
) -> BTreeMap<String, CategoryPolicy> {
    categories
        .into_iter()
        .map(|(name, raw)| {
            let requires = raw
                .value
                .requires
                .as_ref()
                .and_then(|r| build_condition(r, file, errors));
            // `.nan` or `.inf` would switch the age gate off without a word:
            // refused, and the gate stays at no minimum.
            let min_age = raw.value.min_age.and_then(|age| {
                if age.value.is_finite() && age.value >= 0.0 {
                    Some(age.value)
                } else {
                    errors.push(LoadError::at(
                        &SourceLoc::from_yaml(file, &age.referenced),
                        format!(
                            "`min_age` of `{name}` needs an age in years (such as 18), not {}",
                            age.value
                        ),
                    ));
                    None
                }
            });
            (name, CategoryPolicy { min_age, requires })
        })
        .collect()
}

impl Config {
    /// Parses `mergeproof.yaml`. Problems are pushed to `errors`; whatever parsed
    /// is kept and the rest falls back to the defaults.
    pub fn parse(text: &str, file: &str, errors: &mut Vec<LoadError>) -> Config {
        let mut config = Config::default();
        if text.trim().is_empty() {
            return config;
        }
        let raw: RawConfig = match serde_saphyr::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                errors.push(crate::source::yaml_error(file, &e));
                return config;
            }
        };
        set_list(
            &mut config.personal_fields,
            raw.personal_fields,
            raw.extend_personal_fields,
        );
        set_list(
            &mut config.unsafe_terms,
            raw.unsafe_terms,
            raw.extend_unsafe_terms,
        );
        set_list(
            &mut config.balance_fields,
            raw.balance_fields,
            raw.extend_balance_fields,
        );
        set_list(
            &mut config.sensitive_fields,
            raw.sensitive_fields,
            raw.extend_sensitive_fields,
        );
        set_list(
            &mut config.trusted_html,
            raw.trusted_html,
            raw.extend_trusted_html,
        );
        set_list(
            &mut config.categories,
            raw.categories,
            raw.extend_categories,
        );
        if let Some(v) = raw.fields {
            config.fields = v;
        }
        if let Some(tags) = raw.merge_tags {
            config.merge_fields.tags = tags;
        }
        if let Some(defaults) = raw.merge_field_defaults {
            config.merge_fields.defaults = defaults;
        }
        let read_clients = |clients: Spanned<OrderedMap>, errors: &mut Vec<LoadError>| {
            let loc = SourceLoc::from_yaml(file, &clients.referenced);
            let mut list = Vec::new();
            for (name, width) in clients.value.0 {
                match width.as_u64().and_then(|w| usize::try_from(w).ok()).filter(|w| *w > 0) {
                    Some(w) => list.push((name, w)),
                    None => errors.push(LoadError::at(
                        &loc,
                        format!("client `{name}` needs a positive whole number of visible subject characters, as in `{name}: 40`"),
                    )),
                }
            }
            list
        };
        if let Some(clients) = raw.clients {
            config.clients = read_clients(clients, errors);
        }
        if let Some(clients) = raw.extend_clients {
            for (name, width) in read_clients(clients, errors) {
                match config.clients.iter_mut().find(|(n, _)| *n == name) {
                    Some(known) => known.1 = width,
                    None => config.clients.push((name, width)),
                }
            }
        }
        if let Some(v) = raw.edge_cases {
            config.edge_cases = v;
        }
        if let Some(categories) = raw.sensitive_categories {
            config.sensitive_categories = policies(categories, file, errors);
        }
        if let Some(categories) = raw.extend_sensitive_categories {
            config
                .sensitive_categories
                .extend(policies(categories, file, errors));
        }
        if let Some(columns) = raw.profile_columns {
            let loc = SourceLoc::from_yaml(file, &columns.referenced);
            for (header, field) in columns.value.0 {
                let Some(field) = field.as_str().map(str::to_string) else {
                    errors.push(LoadError::at(
                        &loc,
                        format!(
                            "`profile_columns` maps the export header `{header}` to a field: write a field name, as in `\"{header}\": first_name`"
                        ),
                    ));
                    continue;
                };
                if header == "id" {
                    config.profile_columns.id = Some(field);
                } else {
                    config.profile_columns.renames.push((header, field));
                }
            }
        }
        for list in [raw.literal_tags, raw.extend_literal_tags]
            .into_iter()
            .flatten()
        {
            let loc = SourceLoc::from_yaml(file, &list.referenced);
            for tag in list.value {
                if crate::dialect::LiteralTag::parse(&tag).is_some() {
                    config.literal_tags.push(tag);
                } else {
                    errors.push(LoadError::at(
                        &loc,
                        format!("`literal_tags` entry `{tag}` needs text on both sides of one `*`, as in `%%{{*}}%%` or `<%*%>`"),
                    ));
                }
            }
        }
        if let Some(audit) = raw.audit {
            config.audit = audit;
        }
        if let Some(name) = raw.dialect {
            config.dialect = parse_dialect(&name, file, errors).unwrap_or_default();
        }
        if let Some(name) = raw.front_matter {
            match FrontMatter::parse(&name.value) {
                Some(setting) => config.front_matter = setting,
                None => {
                    let hint = crate::source::hint_suffix(&name.value, &FrontMatter::NAMES);
                    errors.push(LoadError::at(
                        &SourceLoc::from_yaml(file, &name.referenced),
                        format!(
                            "unknown `front_matter` `{}`{hint}; it is `yaml` (templates open with a `---` block that a build stage strips) or `none`",
                            name.value
                        ),
                    ));
                }
            }
        }
        for (name, helper) in raw.helpers.unwrap_or_default() {
            let loc = SourceLoc::from_yaml(file, &helper.referenced);
            let raw = helper.value;
            let returns = match raw.returns.as_deref() {
                None | Some("argument") => Returns::Argument,
                Some(text) => Returns::Text(text.to_string()),
            };
            let like_mergeproof = match &raw.like {
                None => false,
                Some(like) if like.value == "mergeproof" => {
                    let builtin = Dialect::Mergeproof.helper(name.as_str()).is_some();
                    let alone =
                        raw.returns.is_none() && !raw.block && !raw.interpolate && !raw.html;
                    if !builtin || !alone {
                        errors.push(LoadError::at(
                            &SourceLoc::from_yaml(file, &like.referenced),
                            format!(
                                "helper `{name}` with `like: mergeproof` is mergeproof's own helper of that name, alone: {}",
                                if builtin {
                                    "remove `returns`, `block`, `interpolate` and `html`".to_string()
                                } else {
                                    format!("mergeproof has none named `{name}` (it has {})", Dialect::Mergeproof.helper_names().join(", "))
                                }
                            ),
                        ));
                        continue;
                    }
                    true
                }
                Some(like) => {
                    errors.push(LoadError::at(
                        &SourceLoc::from_yaml(file, &like.referenced),
                        format!("helper `{name}`: `like` takes `mergeproof` (its own helper of that name), not `{}`", like.value),
                    ));
                    continue;
                }
            };
            if raw.interpolate && (raw.block || !matches!(returns, Returns::Argument)) {
                errors.push(LoadError::at(
                    &loc,
                    format!("helper `{name}` has `interpolate: true`, which fills the `{{name}}` places of its first argument: it needs `returns: argument` and no `block`"),
                ));
                continue;
            }
            if raw.block && raw.returns.is_some() {
                errors.push(LoadError::at(
                    &loc,
                    format!("helper `{name}` is a block helper, which renders its block: `returns` does not apply; remove one of them"),
                ));
                continue;
            }
            if !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                || name.is_empty()
            {
                errors.push(LoadError::at(
                    &loc,
                    format!("helper name `{name}` is not a name a template can call: use letters, digits, `_` and `-`"),
                ));
                continue;
            }
            config.helpers.insert(
                name,
                DeclaredHelper {
                    returns,
                    block: raw.block,
                    html: raw.html,
                    interpolate: raw.interpolate,
                    like_mergeproof,
                },
            );
        }
        if let Some(rules) = raw.rules {
            let loc = SourceLoc::from_yaml(file, &rules.referenced);
            for (id, setting) in rules.value {
                if let Some(rule) = RuleId::parse(&id) {
                    if let Some(level) = setting.severity() {
                        config.rules.insert(rule, level);
                    }
                } else {
                    let hint = crate::source::hint_suffix(&id, &RuleId::names());
                    errors.push(LoadError::at(
                        &loc,
                        format!("unknown rule `{id}` in `rules`{hint} (`mergeproof explain --list` lists them)"),
                    ));
                }
            }
        }
        config
    }
}
