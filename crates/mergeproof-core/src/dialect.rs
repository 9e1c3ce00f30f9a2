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
    /// Shopify Liquid 5 (notifications, Shopify Email).
    Liquid,
    /// Braze (Liquid with `${attribute}` syntax, `abort_message`).
    Braze,
    /// Customer.io (Liquid; a missing variable fails the send).
    Customerio,
    /// Mailchimp's merge tags (`*|FNAME|*`, `*|IF:…|*`).
    Mailchimp,
    /// Klaviyo (Django's template syntax).
    Klaviyo,
    /// Iterable (Handlebars with its own helpers).
    Iterable,
}

/// One helper of a dialect, as data: what the front end and the rules need
/// to know of it besides its code (which renders it). Adding a helper to a
/// dialect is a row here and its implementation in the front end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Helper {
    pub name: &'static str,
    /// What its block, when it is called as one, does with its data.
    pub block: BlockRole,
    /// Whether it gives some of its arguments a fallback.
    pub fallback: Option<FallbackArgs>,
    /// A comparison that only admits values above a literal bound
    /// (`gt points 0`), for what counts as guarded positive.
    pub above: Option<Above>,
    /// True only when every argument is: a positive comparison inside it
    /// guards the whole (`and`).
    pub conjunction: bool,
    /// Its first argument is an amount of money (`currency`).
    pub formats_money: bool,
}

/// What a block helper's block does with the data it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockRole {
    /// Renders its body only when the value is there (`if`), its `else`
    /// otherwise.
    Guard,
    /// Renders its body only when the value is not there (`unless`).
    Unless,
    /// Renders its body once for each item of a list (`each`).
    Loop,
    /// Renders its body with the value as its context, when it is there
    /// (`with`).
    Scope,
    /// Neither guards nor loops.
    Plain,
}

/// Which arguments a fallback helper protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FallbackArgs {
    /// Every argument but the last, which is the fallback (`default a b "x"`).
    AllButLast,
    /// The first, when a `"default=…"` text argument is given (SendGrid's
    /// `insert name "default=there"`).
    FirstWithDefaultText,
}

/// A comparison with a literal bound: `gt`'s admits values above it,
/// `gte`'s values at or above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Above {
    Strictly,
    OrEqual,
}

const fn helper(name: &'static str) -> Helper {
    Helper {
        name,
        block: BlockRole::Plain,
        fallback: None,
        above: None,
        conjunction: false,
        formats_money: false,
    }
}

const fn with_block(mut h: Helper, block: BlockRole) -> Helper {
    h.block = block;
    h
}

const IF: Helper = with_block(helper("if"), BlockRole::Guard);
const UNLESS: Helper = with_block(helper("unless"), BlockRole::Unless);
const EACH: Helper = with_block(helper("each"), BlockRole::Loop);
const WITH: Helper = with_block(helper("with"), BlockRole::Scope);

/// Handlebars.js's own helpers (`helperMissing` and `blockHelperMissing`
/// are how it renders `{{field}}` and `{{#section}}`, not names to call).
/// <https://handlebarsjs.com/guide/builtin-helpers.html>
const HANDLEBARS_BUILTINS: &[Helper] = &[IF, UNLESS, EACH, WITH, helper("lookup"), helper("log")];

/// mergeproof's own: Handlebars.js's, the handlebars crate's comparisons,
/// and formatting helpers (README "Dialects").
const MERGEPROOF_HELPERS: &[Helper] = &[
    IF,
    UNLESS,
    EACH,
    WITH,
    helper("lookup"),
    helper("log"),
    helper("raw"),
    helper("eq"),
    helper("ne"),
    Helper {
        above: Some(Above::Strictly),
        ..helper("gt")
    },
    Helper {
        above: Some(Above::OrEqual),
        ..helper("gte")
    },
    helper("lt"),
    helper("lte"),
    Helper {
        conjunction: true,
        ..helper("and")
    },
    helper("or"),
    helper("not"),
    helper("len"),
    Helper {
        fallback: Some(FallbackArgs::AllButLast),
        ..helper("default")
    },
    Helper {
        formats_money: true,
        ..helper("currency")
    },
    helper("upper"),
    helper("lower"),
    helper("title"),
    helper("date"),
];

/// <https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars>
/// `{{#and a b}}` and `{{#greaterThan points 0}}` render their block only
/// when the values are there.
const SENDGRID_HELPERS: &[Helper] = &[
    IF,
    UNLESS,
    EACH,
    WITH,
    Helper {
        fallback: Some(FallbackArgs::FirstWithDefaultText),
        ..helper("insert")
    },
    helper("equals"),
    helper("notEquals"),
    Helper {
        block: BlockRole::Guard,
        above: Some(Above::Strictly),
        ..helper("greaterThan")
    },
    helper("lessThan"),
    Helper {
        block: BlockRole::Guard,
        conjunction: true,
        ..helper("and")
    },
    helper("or"),
    helper("length"),
    helper("formatDate"),
];

/// <https://mailchimp.com/developer/transactional/docs/templates-dynamic-content/>
const MANDRILL_HELPERS: &[Helper] = &[
    IF,
    UNLESS,
    EACH,
    WITH,
    helper("upper"),
    helper("lower"),
    helper("title"),
    helper("url"),
    helper("date"),
    helper("striptags"),
];

/// <https://support.iterable.com/hc/en-us/articles/205480365>: its block
/// comparisons render only for values there; `defaultIfEmpty` falls back.
const ITERABLE_HELPERS: &[Helper] = &[
    IF,
    UNLESS,
    EACH,
    WITH,
    Helper {
        fallback: Some(FallbackArgs::AllButLast),
        ..helper("defaultIfEmpty")
    },
    with_block(helper("ifEq"), BlockRole::Guard),
    with_block(helper("eq"), BlockRole::Guard),
    with_block(helper("lt"), BlockRole::Guard),
    with_block(helper("lte"), BlockRole::Guard),
    Helper {
        block: BlockRole::Guard,
        above: Some(Above::Strictly),
        ..helper("gt")
    },
    Helper {
        block: BlockRole::Guard,
        above: Some(Above::OrEqual),
        ..helper("gte")
    },
    with_block(helper("ifContainsStr"), BlockRole::Guard),
    helper("capitalizeFirst"),
    helper("capitalize"),
    helper("upper"),
    helper("lower"),
    helper("length"),
    helper("cut"),
    helper("replace"),
    helper("substring"),
    helper("abbreviate"),
    helper("urlEncode"),
];

/// Postmark (Mustachio) has sections and `{{#each}}`, no helper to call.
/// <https://postmarkapp.com/support/article/1077-template-syntax>
const POSTMARK_HELPERS: &[Helper] = &[EACH];

impl Dialect {
    pub const ALL: [Dialect; 11] = [
        Dialect::Mergeproof,
        Dialect::Handlebars,
        Dialect::Sendgrid,
        Dialect::Mandrill,
        Dialect::Postmark,
        Dialect::Liquid,
        Dialect::Braze,
        Dialect::Customerio,
        Dialect::Mailchimp,
        Dialect::Klaviyo,
        Dialect::Iterable,
    ];

    pub fn name(self) -> &'static str {
        self.table().name
    }

    pub fn parse(name: &str) -> Option<Dialect> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|d| d.name()).collect()
    }

    /// The platform, as its users call it.
    pub(crate) fn platform(self) -> &'static str {
        self.table().platform
    }

    /// The helpers the platform provides (besides Handlebars's own way of
    /// printing fields and sections).
    pub(crate) fn helpers(self) -> &'static [Helper] {
        self.table().helpers
    }

    /// The helper of this dialect named `name`.
    pub(crate) fn helper(self, name: &str) -> Option<&'static Helper> {
        self.helpers().iter().find(|h| h.name == name)
    }

    /// Its helpers' names, in the order its documentation lists them.
    pub(crate) fn helper_names(self) -> Vec<&'static str> {
        self.helpers().iter().map(|h| h.name).collect()
    }

    /// Placeholders the platform fills itself at send time, after the
    /// template renders: SendGrid's unsubscribe tags, Mailchimp's merge tags.
    pub(crate) fn literal_tags(self) -> &'static [&'static str] {
        self.table().literal_tags
    }

    /// A data path as a template of this dialect writes it, for a fix:
    /// Klaviyo reads a property whose name is no identifier (`Loyalty
    /// Points`) with `lookup` (`person|lookup:'Loyalty Points'`).
    pub(crate) fn written_field(self, path: &str) -> String {
        let identifier =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if self != Dialect::Klaviyo || path.split('.').all(identifier) {
            return path.to_string();
        }
        let segments: Vec<&str> = path.split('.').collect();
        let plain = segments.iter().take_while(|s| identifier(s)).count();
        let mut written = if plain == 0 {
            "person".to_string()
        } else {
            segments[..plain].join(".")
        };
        for segment in &segments[plain..] {
            written.push_str(&format!("|lookup:'{}'", segment.replace('\'', "\\'")));
        }
        written
    }
}

/// A value that holds nothing, as far as a dialect's fallback can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Blank {
    Missing,
    Null,
    /// `""`.
    Empty,
    /// Only spaces (or other whitespace).
    Spaces,
    /// The words `null` or `undefined` that exports write for nothing.
    Placeholder,
}

impl Blank {
    /// Which blank `value` is, if it is one.
    pub(crate) fn of(value: Option<&serde_json::Value>) -> Option<Blank> {
        use serde_json::Value;
        match value {
            None => Some(Blank::Missing),
            Some(Value::Null) => Some(Blank::Null),
            Some(Value::String(s)) if s.is_empty() => Some(Blank::Empty),
            Some(Value::String(s)) if s.trim().is_empty() => Some(Blank::Spaces),
            Some(Value::String(s))
                if s.trim().eq_ignore_ascii_case("null")
                    || s.trim().eq_ignore_ascii_case("undefined") =>
            {
                Some(Blank::Placeholder)
            }
            _ => None,
        }
    }

    /// The blank in words: "a value of only spaces".
    pub(crate) fn words(self) -> &'static str {
        match self {
            Blank::Missing => "a missing value",
            Blank::Null => "a null value",
            Blank::Empty => "an empty text",
            Blank::Spaces => "a value of only spaces",
            Blank::Placeholder => "the text `null` or `undefined`",
        }
    }
}

/// How a dialect writes a fallback and its guards: the spellings of the
/// `fix` texts findings carry. `{p}` stands for the field as the template
/// writes it, `{t}` for the token as written, `{f}` for the fallback text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spelling {
    /// What replaces `{t}` so that `{f}` prints when the value is blank.
    pub fallback: &'static str,
    /// The blanks that fallback catches; for the others no template change
    /// in this dialect can help.
    pub catches: &'static [Blank],
    /// A block that renders only when `{p}` has a value.
    pub if_present: &'static str,
    /// What replaces `{t}` so that it prints only when `{p}` is above zero,
    /// `{f}` otherwise; `None` where the dialect cannot compare numbers.
    pub if_positive: Option<&'static str>,
    /// What replaces a helper call `{t}` that reads `{p}`, so that `{f}`
    /// prints when `{p}` is falsy; it catches the dialect's falsy values ([`Table::falsy`]).
    pub guard_else: &'static str,
    /// What the fallback is called, for a fix that says what it cannot do.
    pub fallback_name: &'static str,
    /// What `guard_else` is called, likewise.
    pub guard_name: &'static str,
    /// What replaces a count and its noun so that `{f}` (the singular)
    /// prints when `{p}` is 1 and `{t}` (the count and the plural)
    /// otherwise; `None` where the dialect cannot compare.
    pub if_one: Option<&'static str>,
}

const HANDLEBARS_FALSY: &[Blank] = &[Blank::Missing, Blank::Null, Blank::Empty];

/// The dialects' spellings of fallbacks and guards, as their platforms
/// document them (see each dialect's helpers above and Postmark's
/// "Mustachio Templating": inverted sections).
const MERGEPROOF_SPELLING: Spelling = Spelling {
    fallback: "{{default {p} \"{f}\"}}",
    // `default` passes over every blank (see its helper).
    catches: &[
        Blank::Missing,
        Blank::Null,
        Blank::Empty,
        Blank::Spaces,
        Blank::Placeholder,
    ],
    if_present: "{{#if {p}}}…{{/if}}",
    if_positive: Some("{{#if (gt {p} 0)}}{t}{{else}}{f}{{/if}}"),
    guard_else: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    fallback_name: "`default`",
    guard_name: "`{{#if}}`",
    if_one: Some("{{#if (eq {p} 1)}}{f}{{else}}{t}{{/if}}"),
};

// No `default` helper: an `{{#if}}` with an `{{else}}`, whose
// test is JavaScript's truthiness.
const HANDLEBARS_SPELLING: Spelling = Spelling {
    fallback: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    catches: HANDLEBARS_FALSY,
    if_present: "{{#if {p}}}…{{/if}}",
    if_positive: None,
    guard_else: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    fallback_name: "`{{#if}}`",
    guard_name: "`{{#if}}`",
    if_one: None,
};

// `insert` prints its default for a missing, null or empty value.
const SENDGRID_SPELLING: Spelling = Spelling {
    fallback: "{{insert {p} \"default={f}\"}}",
    catches: HANDLEBARS_FALSY,
    if_present: "{{#if {p}}}…{{/if}}",
    if_positive: Some("{{#greaterThan {p} 0}}{t}{{else}}{f}{{/greaterThan}}"),
    guard_else: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    fallback_name: "`insert`'s default and `{{#if}}`",
    guard_name: "`{{#if}}`",
    if_one: Some("{{#equals {p} 1}}{f}{{else}}{t}{{/equals}}"),
};

const MANDRILL_SPELLING: Spelling = Spelling {
    fallback: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    catches: HANDLEBARS_FALSY,
    if_present: "{{#if {p}}}…{{/if}}",
    if_positive: Some("{{#if `{p} > 0`}}{t}{{else}}{f}{{/if}}"),
    guard_else: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    fallback_name: "`{{#if}}`",
    guard_name: "`{{#if}}`",
    if_one: Some("{{#if `{p} == 1`}}{f}{{else}}{t}{{/if}}"),
};

// Mustachio: a section for a value that exists, an inverted
// section for one that does not; no comparisons. Inside a
// section names are read from its value (the parent's are
// `../name`), so the value itself is `{{.}}`.
const POSTMARK_SPELLING: Spelling = Spelling {
    fallback: "{{#{p}}}{{.}}{{/{p}}}{{^{p}}}{f}{{/{p}}}",
    catches: HANDLEBARS_FALSY,
    if_present: "{{#{p}}}…{{/{p}}} (inside it, `{{.}}` is the value and other fields are `{{../name}}`)",
    if_positive: None,
    guard_else: "{{#{p}}}{{.}}{{/{p}}}{{^{p}}}{f}{{/{p}}}",
    fallback_name: "a section and its inverted section `{{^…}}`",
    guard_name: "a section and its inverted section `{{^…}}`",
    if_one: None,
};

/// Everything mergeproof knows of a dialect, in one place: adding a helper
/// is a row of `helpers`; adding a dialect is a table and its front end's
/// code for what the rows cannot say.
#[derive(Debug)]
pub(crate) struct Table {
    /// Its name in `dialect:`.
    pub name: &'static str,
    /// The template language its front end reads.
    pub language: Language,
    /// `{{ x }}` escapes HTML (Handlebars); Liquid prints as is unless
    /// `| escape`.
    pub escapes_output: bool,
    /// How an error the engine prints in place of an output starts, where
    /// it prints one and goes on (Shopify's and Braze's Liquid).
    pub inline_error: Option<&'static str>,
    /// The platform, as its users call it.
    pub platform: &'static str,
    /// Its helpers, in the order its documentation lists them.
    pub helpers: &'static [Helper],
    /// Placeholders the platform fills itself at send time, after the
    /// template renders: SendGrid's unsubscribe tags, Mailchimp's merge tags.
    pub literal_tags: &'static [&'static str],
    /// What its `{{#if}}` (or section) treats as no value: its truthiness.
    pub falsy: &'static [Blank],
    /// How it spells a fallback and its guards, for `fix` texts.
    pub spelling: Spelling,
}

const MERGEPROOF: Table = Table {
    name: "mergeproof",
    language: Language::Handlebars,
    escapes_output: true,
    inline_error: None,
    platform: "mergeproof's own helpers",
    helpers: MERGEPROOF_HELPERS,
    literal_tags: &[],
    falsy: HANDLEBARS_FALSY,
    spelling: MERGEPROOF_SPELLING,
};

const HANDLEBARS: Table = Table {
    name: "handlebars",
    language: Language::Handlebars,
    escapes_output: true,
    inline_error: None,
    platform: "Handlebars.js 4.7",
    helpers: HANDLEBARS_BUILTINS,
    literal_tags: &[],
    falsy: HANDLEBARS_FALSY,
    spelling: HANDLEBARS_SPELLING,
};

const SENDGRID: Table = Table {
    name: "sendgrid",
    language: Language::Handlebars,
    escapes_output: true,
    inline_error: None,
    platform: "SendGrid dynamic templates",
    helpers: SENDGRID_HELPERS,
    literal_tags: &["<%asm_*%>", "<%*%>"],
    falsy: HANDLEBARS_FALSY,
    spelling: SENDGRID_SPELLING,
};

const MANDRILL: Table = Table {
    name: "mandrill",
    language: Language::Handlebars,
    escapes_output: true,
    inline_error: None,
    platform: "Mailchimp Transactional (Handlebars)",
    helpers: MANDRILL_HELPERS,
    literal_tags: &["*|*|*"],
    falsy: HANDLEBARS_FALSY,
    spelling: MANDRILL_SPELLING,
};

const POSTMARK: Table = Table {
    name: "postmark",
    language: Language::Handlebars,
    escapes_output: true,
    inline_error: None,
    platform: "Postmark templates (Mustachio)",
    helpers: POSTMARK_HELPERS,
    literal_tags: &[],
    falsy: HANDLEBARS_FALSY,
    spelling: POSTMARK_SPELLING,
};

/// Liquid's tags are its own; its filters are in the Liquid front end.
/// Only `nil` and `false` are falsy: `""`, `0` and `[]` are values.
/// <https://shopify.github.io/liquid/basics/truthy-and-falsy/>
const LIQUID: Table = Table {
    name: "liquid",
    language: Language::Liquid,
    escapes_output: false,
    inline_error: Some(LIQUID_ERROR),
    platform: "Shopify Liquid 5",
    helpers: &[],
    literal_tags: &[],
    falsy: &[Blank::Missing, Blank::Null],
    spelling: LIQUID_SPELLING,
};

/// How Liquid starts an error it prints in place of an output or tag.
pub(crate) const LIQUID_ERROR: &str = "Liquid error: ";

/// Braze's Liquid: Shopify's, with `{{${first_name}}}` for a profile's
/// attribute, `custom_attribute.${…}`, `event_properties.${…}`, its own
/// filters and `abort_message`, which sends nothing on purpose.
/// <https://www.braze.com/docs/user_guide/personalization_and_dynamic_content/liquid/>
const BRAZE: Table = Table {
    name: "braze",
    language: Language::Liquid,
    escapes_output: false,
    inline_error: Some(LIQUID_ERROR),
    platform: "Braze (Liquid)",
    helpers: &[],
    literal_tags: &[],
    falsy: &[Blank::Missing, Blank::Null],
    spelling: LIQUID_SPELLING,
};

/// Customer.io's Liquid ("latest"): `customer.`, `event.` and `trigger.`,
/// `{% unsubscribe_url %}`; a variable the person lacks, printed without
/// `default`, fails the send.
/// <https://docs.customer.io/journeys/liquid-tag-list/>
const CUSTOMERIO: Table = Table {
    name: "customerio",
    language: Language::Liquid,
    escapes_output: false,
    inline_error: None,
    platform: "Customer.io (Liquid)",
    helpers: &[],
    literal_tags: &[],
    falsy: &[Blank::Missing, Blank::Null],
    spelling: LIQUID_SPELLING,
};

/// `default` replaces nil, false and `""` but not `" "`; `!= blank`
/// (ActiveSupport's `blank?`, which Shopify loads) also rules out a text
/// of spaces. <https://shopify.github.io/liquid/filters/default/>
const LIQUID_SPELLING: Spelling = Spelling {
    fallback: "{{ {p} | default: \"{f}\" }}",
    catches: &[Blank::Missing, Blank::Null, Blank::Empty],
    if_present: "{% if {p} != blank %}…{% endif %}",
    if_positive: Some("{% if {p} > 0 %}{t}{% else %}{f}{% endif %}"),
    guard_else: "{% if {p} != blank %}{t}{% else %}{f}{% endif %}",
    fallback_name: "`default`",
    guard_name: "`{% if … != blank %}`",
    if_one: Some("{% if {p} == 1 %}{f}{% else %}{t}{% endif %}"),
};

/// Mailchimp's merge tags: a blank field prints the audience's default
/// merge value (`merge_field_defaults:`), else nothing; `*|IF:FNAME|*`
/// holds when the field has a value; merge values are escaped in HTML
/// (`*|HTML:…|*` prints one as it is). The tags the platform fills itself
/// (`*|UNSUB|*`, `*|LIST:COMPANY|*`) are left as written.
/// <https://mailchimp.com/help/all-the-merge-tags-cheat-sheet/>,
/// <https://mailchimp.com/help/use-conditional-merge-tag-blocks/>
const MAILCHIMP: Table = Table {
    name: "mailchimp",
    language: Language::Mailchimp,
    escapes_output: true,
    inline_error: None,
    platform: "Mailchimp (merge tags)",
    helpers: &[],
    literal_tags: &["*|*|*"],
    falsy: HANDLEBARS_FALSY,
    spelling: MAILCHIMP_SPELLING,
};

/// A merge tag's fallback is the audience's default merge value, or a
/// conditional block with `*|ELSE:|*`.
const MAILCHIMP_SPELLING: Spelling = Spelling {
    fallback: "*|IF:{p}|*{t}*|ELSE:|*{f}*|END:IF|*",
    catches: HANDLEBARS_FALSY,
    if_present: "*|IF:{p}|*…*|END:IF|*",
    if_positive: Some("*|IF:{p}>0|*{t}*|ELSE:|*{f}*|END:IF|*"),
    guard_else: "*|IF:{p}|*{t}*|ELSE:|*{f}*|END:IF|*",
    fallback_name: "a conditional block (or the audience's default merge value, `merge_field_defaults:`)",
    guard_name: "`*|IF:…|*`",
    if_one: Some("*|IF:{p}=1|*{f}*|ELSE:|*{t}*|END:IF|*"),
};

/// Iterable's Handlebars: Handlebars.js's with Iterable's helpers.
const ITERABLE: Table = Table {
    name: "iterable",
    language: Language::Handlebars,
    escapes_output: true,
    inline_error: None,
    platform: "Iterable (Handlebars)",
    helpers: ITERABLE_HELPERS,
    literal_tags: &[],
    falsy: HANDLEBARS_FALSY,
    spelling: ITERABLE_SPELLING,
};

// `defaultIfEmpty` prints its fallback for a missing, null or empty value.
const ITERABLE_SPELLING: Spelling = Spelling {
    fallback: "{{defaultIfEmpty {p} \"{f}\"}}",
    catches: HANDLEBARS_FALSY,
    if_present: "{{#if {p}}}…{{/if}}",
    if_positive: Some("{{#gt {p} 0}}{t}{{else}}{f}{{/gt}}"),
    guard_else: "{{#if {p}}}{t}{{else}}{f}{{/if}}",
    fallback_name: "`defaultIfEmpty`",
    guard_name: "`{{#if}}`",
    if_one: Some("{{#eq {p} 1}}{f}{{else}}{t}{{/eq}}"),
};

/// Klaviyo's templates: Django's syntax, its built-in filters that
/// Klaviyo's glossary lists and Klaviyo's own; Python's truth (`None`,
/// `""`, `0`, `[]` are false); values escaped in an email body unless
/// `|safe`. <https://developers.klaviyo.com/en/docs/django_message_design>,
/// <https://developers.klaviyo.com/en/docs/glossary_of_variable_filters>
const KLAVIYO: Table = Table {
    name: "klaviyo",
    language: Language::Django,
    escapes_output: true,
    inline_error: None,
    platform: "Klaviyo (Django templates)",
    helpers: &[],
    literal_tags: &[],
    falsy: HANDLEBARS_FALSY,
    spelling: KLAVIYO_SPELLING,
};

/// `default` replaces every falsy value, `""` and `0` included, but not a
/// text of spaces. <https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#default>
const KLAVIYO_SPELLING: Spelling = Spelling {
    fallback: "{{ {p}|default:'{f}' }}",
    catches: HANDLEBARS_FALSY,
    if_present: "{% if {p} %}…{% endif %}",
    if_positive: Some("{% if {p} > 0 %}{t}{% else %}{f}{% endif %}"),
    guard_else: "{% if {p} %}{t}{% else %}{f}{% endif %}",
    fallback_name: "`default`",
    guard_name: "`{% if %}`",
    if_one: Some("{% if {p} == 1 %}{f}{% else %}{t}{% endif %}"),
};

/// A template language, each read by its own front end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Language {
    Handlebars,
    Liquid,
    Mailchimp,
    Django,
}

impl Dialect {
    /// The dialect's table.
    pub(crate) fn table(self) -> &'static Table {
        match self {
            Dialect::Mergeproof => &MERGEPROOF,
            Dialect::Handlebars => &HANDLEBARS,
            Dialect::Sendgrid => &SENDGRID,
            Dialect::Mandrill => &MANDRILL,
            Dialect::Postmark => &POSTMARK,
            Dialect::Liquid => &LIQUID,
            Dialect::Braze => &BRAZE,
            Dialect::Customerio => &CUSTOMERIO,
            Dialect::Mailchimp => &MAILCHIMP,
            Dialect::Klaviyo => &KLAVIYO,
            Dialect::Iterable => &ITERABLE,
        }
    }

    /// How it spells fallbacks and guards.
    pub(crate) fn spelling(self) -> Spelling {
        self.table().spelling
    }

    /// What its guards treat as no value.
    pub(crate) fn falsy(self) -> &'static [Blank] {
        self.table().falsy
    }
}

impl Spelling {
    /// `pattern` with the field, the token and the fallback put in.
    /// One pass over the pattern, so a token that itself holds `{p}` (a
    /// field named `p`) is put in as it is.
    pub(crate) fn fill(pattern: &str, field: &str, token: &str, fallback: &str) -> String {
        let mut out = String::with_capacity(pattern.len() + token.len() + fallback.len());
        let mut rest = pattern;
        while let Some(at) = rest.find('{') {
            out.push_str(&rest[..at]);
            let (value, skip) = match rest[at..].get(..3) {
                Some("{t}") => (token, 3),
                Some("{f}") => (fallback, 3),
                Some("{p}") => (field, 3),
                _ => ("{", 1),
            };
            out.push_str(value);
            rest = &rest[at + skip..];
        }
        out.push_str(rest);
        out
    }
}

/// What a declared helper prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Returns {
    /// Its first argument, as Handlebars prints a value.
    Argument,
    /// This text, as written.
    Text(String),
}

/// A team's own helper, declared in `mergeproof.yaml`:
/// `t: { returns: argument }`, `hasFeature: { block: true }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredHelper {
    pub(crate) returns: Returns,
    /// Called as `{{#name}}…{{/name}}`: renders its block, never its `{{else}}`.
    pub block: bool,
    /// What it prints is HTML the team's code builds (not `unescaped-data`).
    pub html: bool,
    /// Its first argument with each `{name}` filled from the hash argument
    /// `name`, HTML-escaped, as i18next interpolates with Ghost's settings
    /// (`{{t 'By {authors}' authors=post.authors}}`).
    pub interpolate: bool,
    /// `like: mergeproof`: mergeproof's own helper of the same name
    /// (`and`, `or`, `not`, `eq`, `gt`, `default`…), for platforms that add
    /// those to Handlebars.js (Ghost's `and`, `or`, `not`).
    pub like_mergeproof: bool,
}

impl DeclaredHelper {
    /// Whether what it prints of data is HTML-escaped by the helper itself.
    pub(crate) fn escapes_data(&self) -> bool {
        self.interpolate
    }
}

pub type DeclaredHelpers = BTreeMap<String, DeclaredHelper>;

/// Mailchimp's merge fields (`merge_tags:`, `merge_field_defaults:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeFields {
    /// `FNAME: first_name`: the profile field a merge tag reads; a tag not
    /// listed reads the field of its own name.
    pub tags: BTreeMap<String, String>,
    /// `FNAME: there`: what a tag prints where the subscriber's field is
    /// blank (the audience's "default merge tag value").
    pub defaults: BTreeMap<String, String>,
}

impl MergeFields {
    /// The profile field `tag` reads.
    pub(crate) fn field<'a>(&'a self, tag: &'a str) -> &'a str {
        self.tags.get(tag).map_or(tag, String::as_str)
    }
}

/// A campaign's dialect with the project's declared helpers: everything a
/// template's helpers depend on.
#[derive(Clone, Copy, Debug)]
pub struct TemplateDialect<'a> {
    pub dialect: Dialect,
    pub declared: &'a DeclaredHelpers,
    /// Mailchimp's merge tags and their default merge values.
    pub merge_fields: &'a MergeFields,
}

impl TemplateDialect<'_> {
    pub(crate) fn knows(&self, helper: &str) -> bool {
        self.dialect.helper(helper).is_some() || self.declared.contains_key(helper)
    }

    /// The row of `name`: the dialect's own, or mergeproof's for a declared
    /// helper that works `like: mergeproof`.
    pub(crate) fn row(&self, name: &str) -> Option<&'static Helper> {
        self.dialect.helper(name).or_else(|| {
            self.declared
                .get(name)
                .filter(|d| d.like_mergeproof)
                .and_then(|_| Dialect::Mergeproof.helper(name))
        })
    }

    /// Every helper a template may call, for messages.
    pub(crate) fn known(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.dialect.helper_names();
        all.extend(self.declared.keys().map(String::as_str));
        all
    }
}

/// A placeholder pattern of `literal_tags:`: text, one `*` standing for the
/// tag's name, text (`%%{*}%%`, `<%*%>`, `*|*|*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LiteralTag {
    pub open: String,
    pub close: String,
}

impl LiteralTag {
    /// The wildcard is the `*` with text on both sides (in `*|*|*`, the
    /// middle one).
    pub(crate) fn parse(pattern: &str) -> Option<LiteralTag> {
        let stars: Vec<usize> = pattern.match_indices('*').map(|(i, _)| i).collect();
        let at = stars
            .iter()
            .rev()
            .copied()
            .find(|&i| i > 0 && i + 1 < pattern.len())?;
        let (open, close) = (&pattern[..at], &pattern[at + 1..]);
        Some(LiteralTag {
            open: open.to_string(),
            close: close.to_string(),
        })
    }

    /// Every whole tag in `text`: the open text, a name without spaces (never
    /// running into another tag), the close text.
    pub(crate) fn find_in(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(at) = text[from..].find(&self.open).map(|i| i + from) {
            let name_start = at + self.open.len();
            let rest = &text[name_start..];
            let end = find_within(rest, &self.close, 64).filter(|len| {
                *len > 0
                    && *len <= 64
                    && !rest[..*len].contains(|c: char| c.is_whitespace() || c == '<' || c == '>')
                    && !rest[..*len].contains(self.open.as_str())
            });
            match end {
                Some(len) => {
                    let stop = name_start + len + self.close.len();
                    out.push(at..stop);
                    from = stop;
                }
                None => from = at + self.open.len().max(1),
            }
        }
        out
    }
}

/// Where `needle` starts in `text`, if it starts within `reach` bytes: a
/// tag's close is looked for only as far as the tag may stretch, so that a
/// text made of openings is read once, not once from each of them.
pub(crate) fn find_within(text: &str, needle: &str, reach: usize) -> Option<usize> {
    let mut end = (reach + needle.len()).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].find(needle).filter(|at| *at <= reach)
}

/// The literal tags in force for a dialect: its platform's and the project's.
pub(crate) fn literal_tags(dialect: Dialect, configured: &[String]) -> Vec<LiteralTag> {
    dialect
        .literal_tags()
        .iter()
        .copied()
        .chain(configured.iter().map(String::as_str))
        .filter_map(LiteralTag::parse)
        .collect()
}

/// The places in `text` that literal tags fill.
pub(crate) fn literal_ranges(tags: &[LiteralTag], text: &str) -> Vec<std::ops::Range<usize>> {
    tags.iter().flat_map(|t| t.find_in(text)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn literal_tags_match_whole_tags() {
        let ghost = super::LiteralTag::parse("%%{*}%%").unwrap();
        let text = "You are a %%{status}%% subscriber to Harbour Weekly. %%{email}%%";
        let found: Vec<&str> = ghost.find_in(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["%%{status}%%", "%%{email}%%"]);
        let mailchimp = super::LiteralTag::parse("*|*|*").unwrap();
        assert_eq!(
            (mailchimp.open.as_str(), mailchimp.close.as_str()),
            ("*|", "|*")
        );
        assert_eq!(mailchimp.find_in("Hi *|FNAME|*, *|not a tag|*").len(), 1);
        assert!(super::LiteralTag::parse("*").is_none());
        assert!(super::LiteralTag::parse("plain").is_none());
    }

    use super::*;

    #[test]
    fn spellings_fill_in_one_pass() {
        let sendgrid = Dialect::Sendgrid.spelling();
        assert_eq!(
            Spelling::fill(sendgrid.fallback, "first_name", "{{first_name}}", "there"),
            "{{insert first_name \"default=there\"}}"
        );
        let postmark = Dialect::Postmark.spelling();
        assert_eq!(
            Spelling::fill(postmark.fallback, "p", "{{p}}", "x"),
            "{{#p}}{{.}}{{/p}}{{^p}}x{{/p}}"
        );
        assert_eq!(
            Blank::of(Some(&serde_json::json!("  "))),
            Some(Blank::Spaces)
        );
        assert_eq!(
            Blank::of(Some(&serde_json::json!("NULL"))),
            Some(Blank::Placeholder)
        );
        assert_eq!(Blank::of(Some(&serde_json::json!(0))), None);
    }

    #[test]
    fn each_dialect_names_a_helper_once() {
        for d in Dialect::ALL {
            let mut names = d.helper_names();
            let all = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), all, "{} repeats a helper", d.name());
        }
    }

    #[test]
    fn rows_say_what_guards_loops_and_falls_back() {
        let row = |d: Dialect, name: &str| *d.helper(name).unwrap();
        assert_eq!(row(Dialect::Handlebars, "if").block, BlockRole::Guard);
        assert_eq!(row(Dialect::Handlebars, "unless").block, BlockRole::Unless);
        assert_eq!(row(Dialect::Postmark, "each").block, BlockRole::Loop);
        // SendGrid's comparisons render their block only for data there;
        // mergeproof's `and` is a value an `{{#if}}` tests.
        assert_eq!(
            row(Dialect::Sendgrid, "greaterThan").block,
            BlockRole::Guard
        );
        assert_eq!(row(Dialect::Mergeproof, "and").block, BlockRole::Plain);
        assert_eq!(
            row(Dialect::Mergeproof, "default").fallback,
            Some(FallbackArgs::AllButLast)
        );
        assert_eq!(
            row(Dialect::Sendgrid, "insert").fallback,
            Some(FallbackArgs::FirstWithDefaultText)
        );
        assert!(row(Dialect::Mergeproof, "currency").formats_money);
        assert!(Dialect::Handlebars.helper("default").is_none());
    }

    #[test]
    fn a_declared_helper_like_mergeproof_borrows_its_row() {
        let mut declared = DeclaredHelpers::new();
        declared.insert(
            "and".into(),
            DeclaredHelper {
                returns: Returns::Argument,
                block: false,
                html: false,
                interpolate: false,
                like_mergeproof: true,
            },
        );
        let ghost = TemplateDialect {
            dialect: Dialect::Handlebars,
            declared: &declared,
            merge_fields: &MergeFields::default(),
        };
        assert!(ghost.row("and").is_some_and(|r| r.conjunction));
        assert!(ghost.row("or").is_none());
    }

    #[test]
    fn klaviyo_writes_a_property_with_spaces_through_lookup() {
        let k = Dialect::Klaviyo;
        assert_eq!(k.written_field("first_name"), "first_name");
        assert_eq!(
            k.written_field("Loyalty Points"),
            "person|lookup:'Loyalty Points'"
        );
        assert_eq!(
            k.written_field("event.Item Count"),
            "event|lookup:'Item Count'"
        );
        assert_eq!(
            Dialect::Liquid.written_field("Loyalty Points"),
            "Loyalty Points"
        );
    }

    #[test]
    fn names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::parse(d.name()), Some(d));
        }
        assert_eq!(Dialect::parse("nosuch"), None);
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
                interpolate: false,
                like_mergeproof: false,
            },
        );
        let d = TemplateDialect {
            dialect: Dialect::Handlebars,
            declared: &declared,
            merge_fields: &MergeFields::default(),
        };
        assert!(d.knows("t") && d.knows("each") && !d.knows("default"));
        let sendgrid = TemplateDialect {
            dialect: Dialect::Sendgrid,
            declared: &declared,
            merge_fields: &MergeFields::default(),
        };
        assert!(sendgrid.knows("insert") && !sendgrid.knows("lookup"));
    }
}
