//! Campaign files: `campaigns/<id>.yaml`, with their variants, audiences and
//! templates (inline or `body_file`).

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::audience::{Condition, RawCondition, build_condition};
use crate::rule_id::RuleId;
use crate::source::{LoadError, SourceLoc, yaml_error};

use super::files::ProjectFiles;
use super::paths::{display, resolve_inside};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    #[default]
    Email,
    Sms,
    Push,
}

/// `kind: marketing | transactional`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Marketing,
    Transactional,
}

impl Channel {
    pub(crate) fn has_subject(self) -> bool {
        self == Channel::Email
    }

    /// Email bodies are HTML: data is escaped into them. SMS and push bodies
    /// are plain text.
    pub(crate) fn body_is_html(self) -> bool {
        self == Channel::Email
    }
}

#[derive(Clone, Debug)]
pub struct Campaign {
    pub id: String,
    pub name: Option<String>,
    pub channel: Channel,
    /// Marketing (the default) or transactional mail (a receipt, a password
    /// reset): no control is wanted for the latter.
    pub kind: Kind,
    pub categories: Vec<String>,
    pub control: Option<String>,
    pub control_loc: Option<SourceLoc>,
    pub variants: Vec<Variant>,
    /// `dialect:` of the campaign, when it sets its own.
    pub dialect: Option<crate::dialect::Dialect>,
    /// The campaign file, relative to the project folder.
    pub file: String,
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub id: String,
    pub loc: SourceLoc,
    pub audience: Option<Condition>,
    pub audience_loc: Option<SourceLoc>,
    pub categories: Vec<String>,
    pub subject: Option<TemplateSource>,
    pub preheader: Option<TemplateSource>,
    pub body: TemplateSource,
    pub allow: Vec<Allow>,
}

impl Variant {
    pub(crate) fn is_catch_all(&self) -> bool {
        self.audience.is_none()
    }

    /// The reason a rule is accepted on purpose for this variant, if it is.
    pub(crate) fn allowed(&self, rule: RuleId) -> Option<&Allow> {
        self.allow.iter().find(|a| a.rule == rule)
    }
}

#[derive(Clone, Debug)]
pub struct Allow {
    pub rule: RuleId,
    pub reason: String,
    pub loc: SourceLoc,
}

/// Template text and where it sits, so positions inside the template can be
/// reported as positions in the file a person edits.
#[derive(Clone, Debug)]
pub struct TemplateSource {
    pub text: String,
    pub file: String,
    /// Where the first character of the template is in `file`.
    pub line: u32,
    pub column: u32,
    /// Extra columns on the first line only: the opening quote of a quoted scalar.
    pub first_line_shift: u32,
}

impl TemplateSource {
    pub(crate) fn start(&self) -> SourceLoc {
        self.position(1, 1)
    }

    /// Maps a 1-based line and column inside the template to the file. Block
    /// scalars keep their indentation on every line; a template file maps as is.
    pub(crate) fn position(&self, line: u32, column: u32) -> SourceLoc {
        let line = line.max(1);
        let column = column.max(1);
        let shift = if line == 1 { self.first_line_shift } else { 0 };
        SourceLoc::new(
            self.file.clone(),
            self.line + line - 1,
            self.column + shift + column - 1,
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    id: Option<Spanned<String>>,
    name: Option<String>,
    channel: Option<Channel>,
    kind: Option<Kind>,
    categories: Option<Vec<Spanned<String>>>,
    control: Option<Spanned<String>>,
    dialect: Option<Spanned<String>>,
    variants: Spanned<Vec<Spanned<RawVariant>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    id: Spanned<String>,
    audience: Option<Spanned<RawCondition>>,
    categories: Option<Vec<Spanned<String>>>,
    subject: Option<Spanned<String>>,
    preheader: Option<Spanned<String>>,
    body: Option<Spanned<String>>,
    body_file: Option<Spanned<String>>,
    allow: Option<Vec<Spanned<RawAllow>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    rule: Spanned<String>,
    reason: Option<String>,
}

/// The categories as written. One within two edits of a sensitive category
/// (`babby` for `baby`) is taken for a typo, since the policy would then never
/// apply, unless `categories:` in mergeproof.yaml names it as a category of
/// its own.
fn categories(
    list: Option<&[Spanned<String>]>,
    config: &crate::config::Config,
    file: &str,
    errors: &mut Vec<LoadError>,
) -> Vec<String> {
    let sensitive: Vec<&str> = config
        .sensitive_categories
        .keys()
        .map(String::as_str)
        .collect();
    let mut out = Vec::new();
    for category in list.unwrap_or_default() {
        let name = category.value.trim();
        let near = sensitive
            .iter()
            .find(|s| **s != name && crate::source::edit_distance(name, s) <= 2);
        if let Some(near) = near
            && !config.categories.iter().any(|c| c == name)
        {
            errors.push(LoadError::at(
                &SourceLoc::from_yaml(file, &category.referenced),
                format!("category `{name}` is not a sensitive category, but close to `{near}`: did you mean `{near}`? If `{name}` is a category of its own, list it under `categories:` in mergeproof.yaml"),
            ));
        }
        out.push(name.to_string());
    }
    out
}

/// Loads one campaign file. Every problem found is returned, not only the
/// first; a campaign with any problem is not checked.
pub(crate) fn load_campaign(
    files: ProjectFiles<'_>,
    file: &Path,
    config: &crate::config::Config,
) -> Result<Campaign, Vec<LoadError>> {
    let file_name = display(file);
    let text = files
        .read(file)
        .map_err(|m| vec![LoadError::in_file(&file_name, m)])?;
    let raw: RawCampaign =
        serde_saphyr::from_str(&text).map_err(|e| vec![yaml_error(&file_name, &e)])?;
    let mut errors = Vec::new();

    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let id = match &raw.id {
        Some(id) if id.value.trim().is_empty() => {
            errors.push(LoadError::at(
                &SourceLoc::from_yaml(&file_name, &id.referenced),
                "`id` is empty",
            ));
            stem
        }
        Some(id) => id.value.trim().to_string(),
        None => stem,
    };
    let channel = raw.channel.unwrap_or_default();
    let variants_loc = SourceLoc::from_yaml(&file_name, &raw.variants.referenced);
    if raw.variants.value.is_empty() {
        errors.push(LoadError::at(
            &variants_loc,
            "`variants` is empty: a campaign needs at least one variant",
        ));
    }

    let mut variants: Vec<Variant> = Vec::new();
    let mut seen_ids: Vec<String> = Vec::new();
    for raw_variant in &raw.variants.value {
        let loc = SourceLoc::from_yaml(&file_name, &raw_variant.referenced);
        let v = &raw_variant.value;
        let id_loc = SourceLoc::from_yaml(&file_name, &v.id.referenced);
        let vid = v.id.value.trim().to_string();
        if vid.is_empty() {
            errors.push(LoadError::at(&id_loc, "variant `id` is empty"));
        } else if seen_ids.contains(&vid) {
            errors.push(LoadError::at(
                &id_loc,
                format!(
                    "duplicate variant id `{vid}`: variant ids must be unique within a campaign"
                ),
            ));
        }
        seen_ids.push(vid.clone());
        let audience = v
            .audience
            .as_ref()
            .and_then(|a| build_condition(a, &file_name, &mut errors));
        let audience_loc = v
            .audience
            .as_ref()
            .map(|a| SourceLoc::from_yaml(&file_name, &a.referenced));

        let inline = |s: &Spanned<String>| inline_template(&text, &file_name, s);
        let subject = v.subject.as_ref().map(inline);
        let preheader = v.preheader.as_ref().map(inline);
        if !channel.has_subject() {
            for (key, value) in [("subject", &v.subject), ("preheader", &v.preheader)] {
                if let Some(s) = value {
                    errors.push(LoadError::at(
                        &SourceLoc::from_yaml(&file_name, &s.referenced),
                        format!(
                            "`{key}` is not sent on the {channel:?} channel; remove it",
                            channel = channel
                        )
                        .to_lowercase(),
                    ));
                }
            }
        } else if subject.is_none() {
            errors.push(LoadError::at(
                &loc,
                format!("variant `{vid}` has no `subject`: an email needs one"),
            ));
        }

        let body = match (&v.body, &v.body_file) {
            (Some(_), Some(f)) => {
                errors.push(LoadError::at(
                    &SourceLoc::from_yaml(&file_name, &f.referenced),
                    format!("variant `{vid}` has both `body` and `body_file`; keep exactly one"),
                ));
                None
            }
            (None, None) => {
                errors.push(LoadError::at(
                    &loc,
                    format!("variant `{vid}` has neither `body` nor `body_file`; add one"),
                ));
                None
            }
            (Some(b), None) => Some(inline(b)),
            (None, Some(f)) => {
                let at = SourceLoc::from_yaml(&file_name, &f.referenced);
                match resolve_inside(file, f.value.trim())
                    .and_then(|rel| files.read(&rel).map(|body_text| (rel, body_text)))
                {
                    Ok((rel, body_text)) => {
                        let (template, skipped) =
                            super::front_matter::strip(config.front_matter, &body_text);
                        Some(TemplateSource {
                            text: template.to_string(),
                            file: display(&rel),
                            line: 1 + skipped,
                            column: 1,
                            first_line_shift: 0,
                        })
                    }
                    Err(message) => {
                        errors.push(LoadError::at(&at, format!("body_file: {message}")));
                        None
                    }
                }
            }
        };

        let mut allow = Vec::new();
        for entry in v.allow.iter().flatten() {
            let at = SourceLoc::from_yaml(&file_name, &entry.referenced);
            let name = entry.value.rule.value.trim();
            let Some(rule) = RuleId::parse(name) else {
                let hint = crate::source::hint_suffix(name, &RuleId::names());
                errors.push(LoadError::at(
                    &SourceLoc::from_yaml(&file_name, &entry.value.rule.referenced),
                    format!("`allow` names unknown rule `{name}`{hint}"),
                ));
                continue;
            };
            match entry.value.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                Some(reason) => allow.push(Allow {
                    rule,
                    reason: reason.to_string(),
                    loc: at,
                }),
                None => errors.push(LoadError::at(
                    &at,
                    format!("`allow` for `{rule}` needs a `reason`: say why the rule is accepted on purpose"),
                )),
            }
        }

        if let Some(body) = body {
            variants.push(Variant {
                id: vid,
                loc,
                audience,
                audience_loc,
                categories: categories(v.categories.as_deref(), config, &file_name, &mut errors),
                subject,
                preheader,
                body,
                allow,
            });
        }
    }

    let control = raw.control.as_ref().map(|c| c.value.trim().to_string());
    let control_loc = raw
        .control
        .as_ref()
        .map(|c| SourceLoc::from_yaml(&file_name, &c.referenced));
    if let (Some(control), Some(at)) = (&control, &control_loc) {
        let names_a_variant = raw
            .variants
            .value
            .iter()
            .any(|v| v.value.id.value.trim() == control);
        if !names_a_variant {
            let ids: Vec<&str> = raw
                .variants
                .value
                .iter()
                .map(|v| v.value.id.value.trim())
                .collect();
            let hint = crate::source::hint_prefix(control, &ids);
            errors.push(LoadError::at(
                at,
                format!(
                    "`control: {control}` names no variant of this campaign; {hint}variants: {}",
                    ids.join(", ")
                ),
            ));
        }
    }

    let dialect = raw
        .dialect
        .as_ref()
        .and_then(|d| crate::config::parse_dialect(d, &file_name, &mut errors));
    let campaign_categories =
        categories(raw.categories.as_deref(), config, &file_name, &mut errors);
    if errors.is_empty() {
        Ok(Campaign {
            id,
            name: raw.name,
            channel,
            kind: raw.kind.unwrap_or_default(),
            categories: campaign_categories,
            control,
            control_loc,
            variants,
            dialect,
            file: file_name,
        })
    } else {
        Err(errors)
    }
}

/// Where an inline template starts in its YAML file. serde-saphyr points at the
/// opening quote of a quoted scalar and at the first content character of a
/// block scalar.
fn inline_template(text: &str, file: &str, value: &Spanned<String>) -> TemplateSource {
    let line = u32::try_from(value.referenced.line()).unwrap_or(1).max(1);
    let column = u32::try_from(value.referenced.column()).unwrap_or(1).max(1);
    let first_char = text
        .lines()
        .nth(line as usize - 1)
        .and_then(|l| l.chars().nth(column as usize - 1));
    let first_line_shift = u32::from(matches!(first_char, Some('"' | '\'')));
    TemplateSource {
        text: value.value.clone(),
        file: file.to_string(),
        line,
        column,
        first_line_shift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn load(yaml: &str, config: &Config) -> Result<Campaign, Vec<LoadError>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("campaigns")).unwrap();
        std::fs::write(dir.path().join("campaigns/c.yaml"), yaml).unwrap();
        load_campaign(
            ProjectFiles::Folder(dir.path()),
            Path::new("campaigns/c.yaml"),
            config,
        )
    }

    const TYPO: &str = "categories: [apparel]\nvariants:\n  - id: a\n    categories: [babby]\n    subject: Hi\n    body: x\n";

    #[test]
    fn a_category_two_edits_from_a_sensitive_one_is_an_error_at_its_place() {
        let errors = load(TYPO, &Config::default()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (4, 18));
        assert!(
            errors[0].message.contains("did you mean `baby`?"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_category_listed_in_the_config_or_far_from_any_sensitive_one_loads() {
        let config = Config {
            categories: vec!["babby".into()],
            ..Config::default()
        };
        assert!(load(TYPO, &config).is_ok());
        let far = TYPO.replace("babby", "garden");
        let c = load(&far, &Config::default()).unwrap();
        assert_eq!(c.variants[0].categories, ["garden"]);
        assert!(load(&TYPO.replace("babby", "baby"), &Config::default()).is_ok());
    }
}
