//! Dialects: which sending platform renders the templates, and so which
//! helpers a template may call and what they print. `dialect:` in
//! `mergeproof.yaml` sets the project's; a campaign may set its own.
//!
//! A team's own helpers are declared under `helpers:` so templates that call
//! them load, and render the same way every time (the team's code is not here
//! to run).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// mergeproof's own: Handlebars.js with formatting helpers and comparisons.
    #[default]
    Mergeproof,
    /// Handlebars.js 4.7 with its built-in helpers only.
    Handlebars,
    /// SendGrid dynamic templates.
    Sendgrid,
    /// Mailchimp Transactional (Mandrill) with `merge_language: handlebars`.
    Mandrill,
    /// Postmark templates (Mustachio).
    Postmark,
}

/// Handlebars.js's own helpers (`helperMissing` and `blockHelperMissing`
/// are how it renders `{{field}}` and `{{#section}}`, not names to call).
const HANDLEBARS_BUILTINS: &[&str] = &["if", "unless", "each", "with", "lookup", "log"];

const MERGEPROOF_HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "log", "raw", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len", "default", "currency", "upper", "lower", "title", "date",
];

/// <https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars>
const SENDGRID_HELPERS: &[&str] = &[
    "if",
    "unless",
    "each",
    "with",
    "insert",
    "equals",
    "notEquals",
    "greaterThan",
    "lessThan",
    "and",
    "or",
    "length",
    "formatDate",
];

/// <https://mailchimp.com/developer/transactional/docs/templates-dynamic-content/>
const MANDRILL_HELPERS: &[&str] = &[
    "if",
    "unless",
    "each",
    "with",
    "upper",
    "lower",
    "title",
    "url",
    "date",
    "striptags",
];

impl Dialect {
    pub const ALL: [Dialect; 5] = [
        Dialect::Mergeproof,
        Dialect::Handlebars,
        Dialect::Sendgrid,
        Dialect::Mandrill,
        Dialect::Postmark,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Mergeproof => "mergeproof",
            Dialect::Handlebars => "handlebars",
            Dialect::Sendgrid => "sendgrid",
            Dialect::Mandrill => "mandrill",
            Dialect::Postmark => "postmark",
        }
    }

    pub fn parse(name: &str) -> Option<Dialect> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|d| d.name()).collect()
    }

    /// The platform, as its users call it.
    pub fn platform(self) -> &'static str {
        match self {
            Dialect::Mergeproof => "mergeproof's own helpers",
            Dialect::Handlebars => "Handlebars.js 4.7",
            Dialect::Sendgrid => "SendGrid dynamic templates",
            Dialect::Mandrill => "Mailchimp Transactional (Handlebars)",
            Dialect::Postmark => "Postmark templates (Mustachio)",
        }
    }

    /// The helpers the platform provides (besides Handlebars's own way of
    /// printing fields and sections).
    pub fn helpers(self) -> &'static [&'static str] {
        match self {
            Dialect::Mergeproof => MERGEPROOF_HELPERS,
            Dialect::Handlebars => HANDLEBARS_BUILTINS,
            Dialect::Sendgrid => SENDGRID_HELPERS,
            Dialect::Mandrill => MANDRILL_HELPERS,
            Dialect::Postmark => &["each"],
        }
    }

    /// The helper whose arguments but the last have a fallback (`default`).
    pub fn fallback_helper(self) -> Option<&'static str> {
        match self {
            Dialect::Mergeproof => Some("default"),
            _ => None,
        }
    }
}

/// What a declared helper prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Returns {
    /// Its first argument, as Handlebars prints a value.
    Argument,
    /// This text, as written.
    Text(String),
}

/// A team's own helper, declared in `mergeproof.yaml`:
/// `t: { returns: argument }`, `hasFeature: { block: true }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredHelper {
    pub returns: Returns,
    /// Called as `{{#name}}…{{/name}}`: renders its block, never its `{{else}}`.
    pub block: bool,
    /// What it prints is HTML the team's code builds (not `unescaped-data`).
    pub html: bool,
}

pub type DeclaredHelpers = BTreeMap<String, DeclaredHelper>;

/// A campaign's dialect with the project's declared helpers: everything a
/// template's helpers depend on.
#[derive(Clone, Copy, Debug)]
pub struct TemplateDialect<'a> {
    pub dialect: Dialect,
    pub declared: &'a DeclaredHelpers,
}

impl TemplateDialect<'_> {
    pub fn knows(&self, helper: &str) -> bool {
        self.dialect.helpers().contains(&helper) || self.declared.contains_key(helper)
    }

    /// Every helper a template may call, for messages.
    pub fn known(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.dialect.helpers().to_vec();
        all.extend(self.declared.keys().map(String::as_str));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::parse(d.name()), Some(d));
        }
        assert_eq!(Dialect::parse("mailchimp"), None);
    }

    #[test]
    fn declared_helpers_are_known_beside_the_dialects() {
        let mut declared = DeclaredHelpers::new();
        declared.insert(
            "t".into(),
            DeclaredHelper {
                returns: Returns::Argument,
                block: false,
                html: false,
            },
        );
        let d = TemplateDialect {
            dialect: Dialect::Handlebars,
            declared: &declared,
        };
        assert!(d.knows("t") && d.knows("each") && !d.knows("default"));
        let sendgrid = TemplateDialect {
            dialect: Dialect::Sendgrid,
            declared: &declared,
        };
        assert!(sendgrid.knows("insert") && !sendgrid.knows("lookup"));
    }
}
