//! `mergeproof.yaml`: what counts as personal, unsafe, a balance, sensitive; the
//! visible subject widths of mail clients; rule severities. Every key has a
//! built-in default, so a project without the file works.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::audience::Condition;
use crate::dialect::{DeclaredHelpers, Dialect};
use crate::finding::{Severity, SeverityLevel};
use crate::rule_id::RuleId;
use crate::source::{LoadError, SourceLoc};

mod parse;

pub const CONFIG_FILE: &str = "mergeproof.yaml";

#[derive(Clone, Debug)]
pub struct Config {
    pub personal_fields: Vec<String>,
    pub unsafe_terms: Vec<String>,
    pub balance_fields: Vec<String>,
    pub(crate) fields: FieldNames,
    pub(crate) sensitive_categories: BTreeMap<String, CategoryPolicy>,
    pub sensitive_fields: Vec<String>,
    /// Client name → visible subject characters, in the order the file gives.
    pub clients: Vec<(String, usize)>,
    pub(crate) rules: BTreeMap<RuleId, SeverityLevel>,
    pub edge_cases: EdgeCaseSettings,
    /// The project's dialect; a campaign may set its own.
    pub dialect: Dialect,
    /// A team's own helpers (`helpers:`).
    pub helpers: DeclaredHelpers,
    /// Export headers renamed to fields, and the id column (`profile_columns:`).
    pub profile_columns: ProfileColumns,
    /// `audit: { min_reach: 100 }`.
    pub(crate) audit: AuditSettings,
    /// Fields that hold HTML the team's own systems build (`trusted_html:`).
    pub trusted_html: Vec<String>,
    /// Placeholders a later stage fills (`literal_tags:`), besides the
    /// dialect's own.
    pub literal_tags: Vec<String>,
    /// Categories in use that are not sensitive (`categories:`): one within
    /// two edits of a sensitive category is otherwise taken for a typo.
    pub categories: Vec<String>,
    /// What opens a template file (`front_matter:`).
    pub(crate) front_matter: FrontMatter,
    /// Mailchimp's merge fields: which profile field each merge tag reads,
    /// and the default merge values the audience sets.
    pub merge_fields: crate::dialect::MergeFields,
}

/// `front_matter: yaml`: template files open with a YAML block between `---`
/// lines that a build stage (Maizzle, Jekyll, Assemble/Mailmason) strips; it
/// is not part of the email.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum FrontMatter {
    /// The file is the template, from its first byte (the default).
    #[default]
    None,
    /// A leading `---` … `---` (or `...`) block is left out.
    Yaml,
}

impl FrontMatter {
    pub(crate) const NAMES: [&str; 2] = ["none", "yaml"];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "none" => Some(Self::None),
            "yaml" => Some(Self::Yaml),
            _ => None,
        }
    }
}

/// `profile_columns: { id: "Email Address", "First Name": first_name }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileColumns {
    /// The export header that holds each customer's id (default `id`).
    pub id: Option<String>,
    /// Export header → field path, in the file's order.
    pub renames: Vec<(String, String)>,
}

impl ProfileColumns {
    /// The field a record's id is read from once headers are renamed.
    pub(crate) fn id_field(&self) -> &str {
        "id"
    }

    /// The field an export header becomes.
    pub(crate) fn field_for(&self, header: &str) -> String {
        if self.id.as_deref() == Some(header) {
            return "id".into();
        }
        self.renames
            .iter()
            .find(|(from, _)| from == header)
            .map_or_else(|| header.to_string(), |(_, to)| to.clone())
    }

    /// Header renames, the id column's included.
    pub(crate) fn all_renames(&self) -> impl Iterator<Item = (&str, &str)> {
        self.id
            .iter()
            .map(|h| (h.as_str(), "id"))
            .chain(self.renames.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    }

    #[cfg(test)]
    pub(crate) fn with(renames: &[(&str, &str)]) -> Self {
        ProfileColumns {
            id: None,
            renames: renames
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[cfg(test)]
    pub(crate) fn with_id(id: &str, renames: &[(&str, &str)]) -> Self {
        ProfileColumns {
            id: Some(id.to_string()),
            ..Self::with(renames)
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct AuditSettings {
    /// A variant that reaches fewer customers is reported.
    pub min_reach: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self { min_reach: 100 }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FieldNames {
    pub age: String,
    pub gender: String,
    pub gender_inferred: String,
    pub consent_sensitive: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        Self {
            age: "age".into(),
            gender: "gender".into(),
            gender_inferred: "gender_inferred".into(),
            consent_sensitive: "consent.sensitive".into(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct CategoryPolicy {
    pub min_age: Option<f64>,
    pub requires: Option<Condition>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EdgeCaseSettings {
    /// Synthesize edge-case profiles at all (the CLI and TUI can switch them off).
    pub enabled: bool,
    /// At most this many edge-case profiles per campaign; lint says when the cap
    /// cut the list.
    pub max_per_campaign: usize,
}

impl Default for EdgeCaseSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_per_campaign: 400,
        }
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for Config {
    fn default() -> Self {
        let mut sensitive_categories = BTreeMap::new();
        let requires = |field: &str| {
            Some(Condition::Leaf(crate::audience::Leaf {
                field: field.into(),
                op: crate::audience::Op::Eq(serde_json::Value::Bool(true)),
                loc: SourceLoc::new(CONFIG_FILE, 1, 1),
            }))
        };
        sensitive_categories.insert(
            "baby".to_string(),
            CategoryPolicy {
                min_age: Some(18.0),
                requires: requires("household.has_infant"),
            },
        );
        sensitive_categories.insert(
            "alcohol".to_string(),
            CategoryPolicy {
                min_age: Some(21.0),
                requires: None,
            },
        );
        sensitive_categories.insert(
            "health".to_string(),
            CategoryPolicy {
                min_age: None,
                requires: requires("consent.sensitive"),
            },
        );
        Self {
            personal_fields: strings(&["first_name", "last_name", "full_name", "name", "nickname"]),
            unsafe_terms: strings(&[
                "cheap",
                "below market",
                "below-market",
                "reduced",
                "overdue",
                "debt",
                "final notice",
                "past due",
                "collections",
                "bargain bin",
                "clearance rack",
                "weight loss",
                "plus size",
                "bankrupt",
            ]),
            balance_fields: strings(&[
                "account.balance",
                "loyalty.points",
                "balance",
                "points",
                "credit",
                "gift_card.balance",
            ]),
            fields: FieldNames::default(),
            sensitive_categories,
            sensitive_fields: strings(&["health.*", "browsing.*", "location.precise"]),
            clients: vec![
                ("iphone-mail".into(), 41),
                ("gmail-app".into(), 40),
                ("gmail-web".into(), 77),
                ("outlook-desktop".into(), 73),
            ],
            rules: BTreeMap::new(),
            edge_cases: EdgeCaseSettings::default(),
            dialect: Dialect::default(),
            helpers: DeclaredHelpers::new(),
            profile_columns: ProfileColumns::default(),
            audit: AuditSettings::default(),
            trusted_html: Vec::new(),
            literal_tags: Vec::new(),
            categories: Vec::new(),
            front_matter: FrontMatter::None,
            merge_fields: crate::dialect::MergeFields::default(),
        }
    }
}

impl Config {
    /// The dialect a campaign renders in: its own, else the project's.
    pub(crate) fn dialect_of(&self, campaign: Option<Dialect>) -> Dialect {
        campaign.unwrap_or(self.dialect)
    }

    /// The severity of a rule after the config's overrides; `None` when switched off.
    pub(crate) fn severity_of(&self, rule: RuleId, default: Severity) -> Option<Severity> {
        match self.rules.get(&rule) {
            Some(level) => level.severity(),
            None => Some(default),
        }
    }

    /// Whether a dotted path is named by `sensitive_fields` (`health.*` covers
    /// `health` and everything under it).
    pub(crate) fn is_sensitive_field(&self, path: &str) -> bool {
        // `path` is the field or under it: the field, then nothing or `.…`.
        self.sensitive_fields.iter().any(|pattern| {
            let field = pattern.strip_suffix(".*").unwrap_or(pattern);
            path.strip_prefix(field)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }

    /// Whether `trusted_html:` names a field: a dotted path where `*` stands
    /// for any part of one name (`post.*_html`), and a trailing `.*` for
    /// everything under a field. In a loop, `posts.[].html` is `posts.html`.
    pub(crate) fn is_trusted_html(&self, path: &str) -> bool {
        let flat = path.replace(".[]", "");
        self.trusted_html.iter().any(|pattern| {
            if let Some(field) = pattern.strip_suffix(".*")
                && [path, flat.as_str()]
                    .iter()
                    .any(|p| p.strip_prefix(field).is_some_and(|r| r.starts_with('.')))
            {
                return true;
            }
            [path, flat.as_str()].iter().any(|p| glob(pattern, p))
        })
    }

    pub(crate) fn is_balance_field(&self, path: &str) -> bool {
        self.balance_fields.iter().any(|f| f == path)
    }

    pub(crate) fn is_personal_field(&self, path: &str) -> bool {
        self.personal_fields.iter().any(|f| f == path)
    }

    pub fn client_width(&self, name: &str) -> Option<usize> {
        self.clients
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, w)| *w)
    }
}

/// `*` matches any run of characters but a `.`.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .take_while(|i| !rest[..*i].contains('.'))
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

/// `dialect: sendgrid`, or an error naming the dialects there are.
pub(crate) fn parse_dialect(
    name: &Spanned<String>,
    file: &str,
    errors: &mut Vec<LoadError>,
) -> Option<Dialect> {
    let found = Dialect::parse(&name.value);
    if found.is_none() {
        let names = Dialect::names();
        let hint = crate::source::hint_suffix(&name.value, &names);
        errors.push(LoadError::at(
            &SourceLoc::from_yaml(file, &name.referenced),
            format!(
                "unknown dialect `{}`{hint}; dialects: {}",
                name.value,
                names.join(", ")
            ),
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    fn parse(text: &str) -> (super::Config, Vec<super::LoadError>) {
        let mut errors = Vec::new();
        let c = super::Config::parse(text, "mergeproof.yaml", &mut errors);
        (c, errors)
    }

    #[test]
    fn a_list_key_replaces_the_defaults_and_its_extend_form_adds_to_them() {
        let defaults = super::Config::default();
        let (c, errors) = parse("unsafe_terms: [bargain]\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.unsafe_terms, ["bargain"]);
        let (c, errors) = parse(
            "extend_unsafe_terms: [bargain, cheap]\nextend_personal_fields: [preferred_name]\nextend_clients: { my-client: 30, gmail-app: 38 }\nextend_sensitive_categories:\n  gambling: { min_age: 21 }\ncategories: [apparel]\nextend_categories: [home]\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.unsafe_terms.len(), defaults.unsafe_terms.len() + 1);
        assert_eq!(c.unsafe_terms.last().unwrap(), "bargain");
        assert!(c.personal_fields.contains(&"first_name".to_string()));
        assert!(c.personal_fields.contains(&"preferred_name".to_string()));
        assert_eq!(c.clients.len(), defaults.clients.len() + 1);
        assert!(c.clients.contains(&("gmail-app".to_string(), 38)));
        assert!(c.sensitive_categories.contains_key("baby"));
        assert_eq!(c.sensitive_categories["gambling"].min_age, Some(21.0));
        assert_eq!(c.categories, ["apparel", "home"]);
        // The plain form still replaces.
        let (c, _) = parse("clients: { my-client: 30 }\n");
        assert_eq!(c.clients, [("my-client".to_string(), 30)]);
    }

    #[test]
    fn shape_errors_say_what_was_expected_at_the_value() {
        let (_, errors) = parse("dialect: sendgrid\npersonal_fields: first_name\n");
        assert_eq!((errors[0].line, errors[0].column), (2, 18));
        assert!(errors[0].message.contains("expected a list"), "{errors:?}");
        let (_, errors) = parse("edge_cases: { max_per_campaign: lots }\n");
        assert!(errors[0].message.contains("whole number"), "{errors:?}");
        let (_, errors) = parse("profile_columns:\n  id: Email\n  First Name: [a]\n");
        assert_eq!(errors[0].line, 2, "{errors:?}");
        assert!(errors[0].message.contains("`First Name`"), "{errors:?}");
    }

    #[test]
    fn rule_severities_have_a_shorthand() {
        let mut errors = Vec::new();
        let c = super::Config::parse(
            "rules:\n  subject-truncation: off\n  no-control: { severity: error }\n",
            "mergeproof.yaml",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.rules[&RuleId::SubjectTruncation], SeverityLevel::Off);
        assert_eq!(c.rules[&RuleId::NoControl], SeverityLevel::Error);
    }

    #[test]
    fn trusted_html_and_profile_columns_parse() {
        let mut errors = Vec::new();
        let c = super::Config::parse(
            "trusted_html: [html, \"post.*_html\", \"layout.*\"]\nprofile_columns:\n  id: \"Email Address\"\n  \"First Name\": first_name\naudit: { min_reach: 5 }\n",
            "mergeproof.yaml",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        for path in [
            "html",
            "post.body_html",
            "post.[].body_html",
            "layout.footer.text",
        ] {
            assert!(c.is_trusted_html(path), "{path}");
        }
        for path in ["html2", "post.body", "post.a.b_html", "bio"] {
            assert!(!c.is_trusted_html(path), "{path}");
        }
        assert_eq!(c.profile_columns.field_for("First Name"), "first_name");
        assert_eq!(c.profile_columns.field_for("Email Address"), "id");
        assert_eq!(c.audit.min_reach, 5);
    }

    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let mut errors = Vec::new();
        let c = Config::parse("", CONFIG_FILE, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(c.client_width("iphone-mail"), Some(41));
        assert!(c.sensitive_categories.contains_key("baby"));
    }

    #[test]
    fn an_age_that_is_no_number_is_refused_where_it_stands() {
        for bad in [".nan", ".inf", "-.inf", "-3"] {
            let mut errors = Vec::new();
            let text = format!("sensitive_categories:\n  alcohol: {{ min_age: {bad} }}\n");
            let c = Config::parse(&text, CONFIG_FILE, &mut errors);
            assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
            assert_eq!(
                (errors[0].line, errors[0].column),
                (2, 23),
                "{bad}: {errors:?}"
            );
            assert!(
                errors[0].message.contains("needs an age in years"),
                "{errors:?}"
            );
            assert_eq!(c.sensitive_categories["alcohol"].min_age, None);
        }
        let mut errors = Vec::new();
        let c = Config::parse(
            "sensitive_categories:\n  alcohol: { min_age: 21 }\n",
            CONFIG_FILE,
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.sensitive_categories["alcohol"].min_age, Some(21.0));
    }

    #[test]
    fn overrides_keep_order_and_report_unknown_rules() {
        let mut errors = Vec::new();
        let text = "clients:\n  wide: 90\n  tiny: 20\nrules:\n  subject-truncation: { severity: off }\n  subjct-truncation: { severity: error }\n";
        let c = Config::parse(text, CONFIG_FILE, &mut errors);
        assert_eq!(c.clients, vec![("wide".into(), 90), ("tiny".into(), 20)]);
        assert_eq!(
            c.severity_of(RuleId::SubjectTruncation, Severity::Warning),
            None
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 5);
        assert!(
            errors[0]
                .message
                .contains("did you mean `subject-truncation`")
        );
    }

    #[test]
    fn unknown_key_is_an_error_with_a_position() {
        let mut errors = Vec::new();
        Config::parse(
            "personal_fields: [a]\nunsafe_term: [b]\n",
            CONFIG_FILE,
            &mut errors,
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2, "{errors:?}");
        assert!(
            errors[0].message.contains("unsafe_terms"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn sensitive_field_patterns() {
        let c = Config::default();
        assert!(c.is_sensitive_field("health.conditions"));
        assert!(c.is_sensitive_field("browsing.recent_categories"));
        assert!(c.is_sensitive_field("location.precise"));
        assert!(!c.is_sensitive_field("location.city"));
        assert!(!c.is_sensitive_field("healthy"));
    }
}
