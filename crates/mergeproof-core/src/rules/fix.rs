//! Fixes written for one finding: the token as the template writes it, the
//! field it reads, and the fallback or guard as the campaign's dialect spells
//! it (`crate::dialect::Spelling`). Where no template change in that dialect
//! can help (SendGrid's `insert` prints a name of spaces as it is), the fix
//! says so and points at the data.

use std::sync::Arc;

use serde_json::Value;

use crate::config::Config;
use crate::dialect::{Blank, Dialect, Spelling};
use crate::finding::Fix;
use crate::template::Token;

/// The fallback a fix proposes for a field: "there" where a first name
/// greets ("Hi there"), else a place for the team's own words.
fn fallback_words(config: &Config, path: &str) -> &'static str {
    let last = path.rsplit('.').next().unwrap_or(path);
    let greets = matches!(last, "first_name" | "firstname" | "name" | "nickname");
    if greets && config.is_personal_field(path) {
        "there"
    } else {
        "…"
    }
}

/// The field as the token writes it: `balance` in `{{#with account}}`,
/// where the path read is `account.balance`. A helper call names it among
/// its arguments only when written in full.
fn written_name(token: &Token, path: &str) -> Option<String> {
    if let Some(written) = &token.written_path {
        return Some(written.clone());
    }
    token
        .expression
        .trim_matches(|c: char| c == '{' || c == '}' || c == '~' || c.is_whitespace())
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .any(|word| word == path)
        .then(|| path.to_string())
}

/// "… or accept it with a reason", the end of every fix that cannot be a
/// template change.
const ACCEPT: &str =
    "or accept the finding with a reason (`allow:` on the variant, or `w` in the TUI)";

/// Fixes already written in a campaign, by the token they are for and
/// what else they are written from: a token that prints nothing for many
/// profiles gets the same fix for each, and writing it (the dialect's
/// spellings filled in, the words formatted) costs more than copying it.
#[derive(Debug, Default)]
pub(crate) struct Written(std::sync::Mutex<foldhash::HashMap<(usize, FixOf), Arc<Fix>>>);

/// What a token's fix is written from, beside the token and the campaign.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FixOf {
    /// [`fallback`] for the token's read at this index, holding this blank.
    Fallback { read: usize, blank: Blank },
    /// [`several`] for the token's reads at these indexes.
    Several(Vec<usize>),
}

impl Written {
    /// The fix for `token` written from `of`: written by `write` the first
    /// time, copied after.
    pub(crate) fn fix(&self, token: &Token, of: FixOf, write: impl FnOnce() -> Fix) -> Arc<Fix> {
        // The token by its address: tokens stay where they are while a
        // campaign is checked (its checks borrow it), and no two share one.
        let key = (std::ptr::from_ref(token).addr(), of);
        if let Some(fix) = self.lock().get(&key).cloned() {
            // Tests hold the copy to what writing it again writes.
            debug_assert_eq!(*fix, write(), "a fix depends on more than its key");
            return fix;
        }
        // Written outside the lock; a fix written twice at once is the same.
        let fix = Arc::new(write());
        self.lock().insert(key, fix.clone());
        fix
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, foldhash::HashMap<(usize, FixOf), Arc<Fix>>> {
        // A panic elsewhere leaves the map as it was: whole fixes only.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A token printed nothing (or a placeholder word) because `path` holds
/// `value`: its fallback, in the dialect's spelling.
pub(crate) fn fallback(
    dialect: Dialect,
    config: &Config,
    token: &Token,
    path: &str,
    value: Option<&Value>,
) -> Fix {
    // A fallback amount would print 0: the balance's own guard instead.
    if config.is_balance_field(path) {
        return positive_guard(dialect, token, path, true);
    }
    if token.reads.is_empty()
        && let Some(field) = token.shadowed_field.as_deref()
    {
        return read_the_field(token, field);
    }
    let spelling = dialect.spelling();
    // All it reads of the value (`CellContext::fallback_fix` writes a fix
    // once per kind of blank).
    let blank = Blank::of(value).unwrap_or(Blank::Missing);
    let words = fallback_words(config, path);
    let Some(name) = written_name(token, path) else {
        let guard = Spelling::fill(spelling.if_present, &dialect.written_field(path), "", "");
        return Fix::advice(format!(
            "Guard the words around `{}` with `{path}`: {guard}, with other words for the rest; or restrict the variant's audience to profiles that have it ({{ field: {path}, exists: true }}).",
            token.expression
        ));
    };
    let (pattern, catches, name_of_it) = if token.helper.is_none() {
        (spelling.fallback, spelling.catches, spelling.fallback_name)
    } else {
        (spelling.guard_else, dialect.falsy(), spelling.guard_name)
    };
    if !catches.contains(&blank) {
        return Fix::advice(format!(
            "No template change in {} catches {} in `{path}`: to {name_of_it} it is a value. Clean `{path}` at the source (the form or export that writes it), {ACCEPT}.",
            dialect.platform(),
            blank.words(),
        ));
    }
    let to = Spelling::fill(pattern, &name, &token.expression, words);
    let yours = if words == "…" {
        " (your words in place of …)"
    } else {
        ""
    };
    Fix::edit(
        format!("Give `{path}` a fallback: {to}{yours}."),
        token.expression.clone(),
        to,
    )
}

/// A token reading several fields that hold nothing: one guard each.
pub(crate) fn several(dialect: Dialect, token: &Token, paths: &[&str]) -> Fix {
    let guards: Vec<String> = paths
        .iter()
        .map(|p| {
            Spelling::fill(
                dialect.spelling().if_present,
                &dialect.written_field(p),
                "",
                "",
            )
        })
        .collect();
    Fix::advice(format!(
        "`{}` needs `{}`: guard the words around it with {}, with other words for the rest; or restrict the variant's audience to profiles that have them.",
        token.expression,
        paths.join("`, `"),
        guards.join(" and ")
    ))
}

/// A balance printed at zero, below or missing: the token shown only above
/// zero, as the dialect compares; where it cannot, the audience.
/// `before_a_word`: the copy goes on with a word after the amount ("You
/// have 0 points"), which "no" reads well before; else "none" ("Points: none").
pub(crate) fn positive_guard(
    dialect: Dialect,
    token: &Token,
    path: &str,
    before_a_word: bool,
) -> Fix {
    let spelling = dialect.spelling();
    match (spelling.if_positive, written_name(token, path)) {
        (Some(pattern), Some(name)) => {
            // "You have no points", "You have nothing to spend", "Points
            // to spend: none".
            let others = if token.formats_money {
                "nothing"
            } else if before_a_word {
                "no"
            } else {
                "none"
            };
            let to = Spelling::fill(pattern, &name, &token.expression, others);
            let present = Spelling::fill(spelling.if_present, &name, "", "");
            Fix::edit(
                format!(
                    "Print `{path}` only when it is above zero: {to}; better, guard the whole sentence the same way and give the others their own words. A test that it is there ({present}) is not enough: negative numbers pass it."
                ),
                token.expression.clone(),
                to,
            )
        }
        _ => Fix::advice(format!(
            "{} cannot compare numbers in a template: restrict the variant's audience to {{ field: {path}, gt: 0 }} and give the others a variant without the figure.",
            dialect.platform()
        )),
    }
}

/// `{{title}}` calls the dialect's helper `title`: `{{this.title}}` prints
/// the profile's field.
pub(crate) fn read_the_field(token: &Token, field: &str) -> Fix {
    let braces = if token.expression.starts_with("{{{") {
        3
    } else {
        2
    };
    let to = format!("{}this.{field}{}", "{".repeat(braces), "}".repeat(braces));
    Fix::edit(
        format!("Read the field, not the helper: {to}."),
        token.expression.clone(),
        to,
    )
}

/// `{{{x}}}` printed data unescaped: the same token in two braces; in
/// Liquid, the token with `| escape`.
pub(crate) fn escape(dialect: Dialect, token: &Token) -> Fix {
    let written = token.expression.as_str();
    // Django escapes unless `|safe` says not to.
    if dialect == Dialect::Klaviyo && written.contains("|safe") {
        let to = written.replacen("|safe", "", 1);
        return Fix::edit(
            format!(
                "Let Klaviyo escape it: {to}, without `|safe`. Keep `|safe` only for HTML your own systems build (`trusted_html:` in mergeproof.yaml)."
            ),
            written,
            to,
        );
    }
    if !dialect.table().escapes_output
        && let Some(inner) = written
            .strip_prefix("{{")
            .and_then(|r| r.strip_suffix("}}"))
    {
        let to = format!("{{{{ {} | escape }}}}", inner.trim());
        return Fix::edit(
            format!(
                "Escape it: {to}. Leave it unescaped only for HTML your own systems build (`trusted_html:` in mergeproof.yaml)."
            ),
            written,
            to,
        );
    }
    match written
        .strip_prefix("{{{")
        .and_then(|rest| rest.strip_suffix("}}}"))
    {
        Some(inner) => {
            let to = format!("{{{{{inner}}}}}");
            Fix::edit(
                format!(
                    "Print it escaped, in two braces: {to}. Keep three braces for HTML your own systems build (`trusted_html:` in mergeproof.yaml)."
                ),
                written,
                to,
            )
        }
        None => Fix::advice(
            "Print the data in two braces, which escape it; keep three braces for HTML your own systems build (`trusted_html:` in mergeproof.yaml).",
        ),
    }
}

/// A link that needs a field: the guard around it, in the dialect's spelling.
pub(crate) fn guard_link(dialect: Dialect, token: &Token, path: &str) -> Fix {
    let name = written_name(token, path).unwrap_or_else(|| dialect.written_field(path));
    let guard = Spelling::fill(dialect.spelling().if_present, &name, "", "");
    Fix::advice(format!(
        "Show the link only when `{path}` has a value: {guard} around it (the … being the link), with a link that works without it for the rest; or restrict the variant's audience ({{ field: {path}, exists: true }})."
    ))
}

/// A fix's `replace` as the template `text` writes it, where that differs:
/// a token's text is put back together from its parts (`{{first_name}}`),
/// and the template may write it with spaces or single quotes
/// (`{{ first_name }}`, `{{default x 'y'}}`). The first tag of `text` that
/// is the same but for those is taken; none, or the same, and `None`.
pub(crate) fn written_form(from: &str, text: &str) -> Option<String> {
    let tag_end = from
        .find("}}")
        .map(|i| i + 2 + usize::from(from[i + 2..].starts_with('}')))?;
    let (tag, rest) = from.split_at(tag_end);
    // A tag's characters but white space, single quotes as double: compared
    // as they come, without writing each tag of the file out.
    fn same(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == '\'' { '"' } else { c })
    }
    let written = text.match_indices("{{").find_map(|(at, _)| {
        let close = text[at..].find("}}")? + at + 2;
        let close = close + usize::from(text[close..].starts_with('}'));
        let candidate = &text[at..close];
        (text[close..].starts_with(rest) && same(candidate).eq(same(tag))).then_some(candidate)
    });
    written
        .filter(|written| *written != tag)
        .map(|written| format!("{written}{rest}"))
}

/// A fallback and a guard for `first_name`, as `dialect` writes them, for
/// `mergeproof explain`.
pub(crate) fn fallback_in(dialect: Dialect) -> String {
    let spelling = dialect.spelling();
    let fallback = Spelling::fill(spelling.fallback, "first_name", "{{first_name}}", "there");
    let guard = Spelling::fill(spelling.if_present, "first_name", "", "");
    let uncaught: Vec<&str> = [Blank::Spaces, Blank::Placeholder]
        .into_iter()
        .filter(|b| !spelling.catches.contains(b))
        .map(Blank::words)
        .collect();
    let limits = if uncaught.is_empty() {
        format!("{} passes over every blank value.", spelling.fallback_name)
    } else {
        format!(
            "To {} {} is a value: no template change catches it; clean the field at the source, {ACCEPT}.",
            spelling.fallback_name,
            uncaught.join(" or ")
        )
    };
    format!(
        "Give the token its fallback: {fallback}; or put the personalized words inside {guard} with other words for the rest; or restrict the variant's audience to profiles that have the field ({{ field: first_name, exists: true }}). {limits}"
    )
}

/// A guard that admits only amounts above zero, as `dialect` writes it.
pub(crate) fn positive_in(dialect: Dialect) -> String {
    match dialect.spelling().if_positive {
        Some(pattern) => format!(
            "Print the amount only when it is above zero, and give the others their own words: {}, around the whole sentence; or restrict the variant's audience ({{ field: loyalty.points, gt: 0 }}). A plain truthiness test is not enough: negative numbers are true.",
            Spelling::fill(pattern, "loyalty.points", "…", "…")
        ),
        None => format!(
            "{} cannot compare numbers in a template: restrict the variant's audience ({{ field: loyalty.points, gt: 0 }}) and give the others a variant without the figure.",
            dialect.platform()
        ),
    }
}

/// A link guarded by the field it needs, as `dialect` writes it.
pub(crate) fn link_guard_in(dialect: Dialect) -> String {
    format!(
        "Show the link only when its field has a value: {} around it, with a link that works without it for the rest; or restrict the variant's audience ({{ field: order.id, exists: true }}).",
        Spelling::fill(dialect.spelling().if_present, "order.id", "", "")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::compiled;

    fn first_token(body: &str) -> Token {
        let c = compiled(&format!(
            "variants:\n  - id: a\n    subject: Hi\n    body: \"{body}\"\n"
        ));
        c.variants[0].body.analysis.tokens[0].clone()
    }

    #[test]
    fn each_dialect_spells_its_own_fallback() {
        let config = Config::default();
        let token = first_token("Hi {{first_name}},");
        let expect = [
            (Dialect::Mergeproof, "{{default first_name \"there\"}}"),
            (
                Dialect::Handlebars,
                "{{#if first_name}}{{first_name}}{{else}}there{{/if}}",
            ),
            (Dialect::Sendgrid, "{{insert first_name \"default=there\"}}"),
            (
                Dialect::Postmark,
                "{{#first_name}}{{.}}{{/first_name}}{{^first_name}}there{{/first_name}}",
            ),
        ];
        for (dialect, to) in expect {
            let fix = fallback(dialect, &config, &token, "first_name", None);
            assert_eq!(
                fix.replace.as_deref(),
                Some("{{first_name}}"),
                "{dialect:?}"
            );
            assert_eq!(fix.replacement.as_deref(), Some(to), "{dialect:?}");
        }
    }

    #[test]
    fn a_fix_is_written_once_per_token_and_kind_of_blank() {
        let config = Config::default();
        let token = first_token("Hi {{first_name}},");
        let other = first_token("Hi {{first_name}},");
        let written = Written::default();
        let writes = std::cell::Cell::new(0);
        let once = |token: &Token, value: Option<&Value>| {
            written.fix(
                token,
                FixOf::Fallback {
                    read: 0,
                    blank: Blank::of(value).unwrap_or(Blank::Missing),
                },
                || {
                    writes.set(writes.get() + 1);
                    fallback(Dialect::Sendgrid, &config, token, "first_name", value)
                },
            )
        };
        let spaces = Value::String("  ".into());
        let missing = once(&token, None);
        let before = writes.get();
        assert_eq!(once(&token, None), missing);
        // A copy, unless debug builds check it by writing it again.
        assert_eq!(writes.get(), before + usize::from(cfg!(debug_assertions)));
        // Another kind of blank, another token: written for themselves.
        let in_spaces = once(&token, Some(&spaces));
        assert_ne!(in_spaces, missing, "SendGrid cannot catch spaces");
        assert_eq!(
            *in_spaces,
            fallback(
                Dialect::Sendgrid,
                &config,
                &token,
                "first_name",
                Some(&spaces)
            )
        );
        assert_eq!(once(&other, None), missing);
    }

    #[test]
    fn a_blank_the_dialect_cannot_catch_is_the_data_s_to_fix() {
        let config = Config::default();
        let token = first_token("Hi {{first_name}},");
        let spaces = Value::String("   ".into());
        let fix = fallback(
            Dialect::Sendgrid,
            &config,
            &token,
            "first_name",
            Some(&spaces),
        );
        assert_eq!(fix.replace, None);
        assert!(
            fix.text.contains("No template change in SendGrid"),
            "{}",
            fix.text
        );
        assert!(
            fix.text.contains("Clean `first_name` at the source"),
            "{}",
            fix.text
        );
        // mergeproof's `default` passes over it.
        let fix = fallback(
            Dialect::Mergeproof,
            &config,
            &token,
            "first_name",
            Some(&spaces),
        );
        assert!(fix.replace.is_some());
    }

    #[test]
    fn the_replaced_text_is_the_template_s_own() {
        let written = written_form("{{first_name}}", "<p>Hi {{ first_name }},</p>");
        assert_eq!(written.as_deref(), Some("{{ first_name }}"));
        let written = written_form("{{points}} points", "You have {{ points }} points");
        assert_eq!(written.as_deref(), Some("{{ points }} points"));
        // Not there, or written the same: nothing to change.
        assert_eq!(written_form("{{first_name}}", "<p>Hello</p>"), None);
        assert_eq!(
            written_form("{{first_name}}", "<p>Hi {{first_name}}</p>"),
            None
        );
    }

    #[test]
    fn a_balance_guard_names_the_token_s_own_field() {
        let token = first_token("You have {{loyalty.points}} points");
        let fix = positive_guard(Dialect::Mergeproof, &token, "loyalty.points", true);
        assert_eq!(
            fix.replacement.as_deref(),
            Some("{{#if (gt loyalty.points 0)}}{{loyalty.points}}{{else}}no{{/if}}")
        );
        let fix = positive_guard(Dialect::Handlebars, &token, "loyalty.points", true);
        assert_eq!(fix.replace, None);
        assert!(
            fix.text.contains("{ field: loyalty.points, gt: 0 }"),
            "{}",
            fix.text
        );
    }
}
