//! The template model: what every template language's front end lowers a
//! template to, and all that rules, edge-case synthesis, audit and reports
//! know of a template. Outputs (the paths each reads, its fallback as the
//! dialect defines it, where it prints), the blocks that guard or loop, and
//! the inline allow comments. Nothing here names a template engine's types.

use serde_json::Value;

use super::place::Place;
use crate::dialect::BlockRole;
use crate::source::SourceLoc;

/// One `{{ }}` or `{{{ }}}` that prints something into the message.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    /// Index within its template; the renderer's markers carry it.
    pub index: u32,
    /// The expression as written, for messages: `{{default first_name "there"}}`.
    pub expression: String,
    /// The helper or filter the expression calls, if any (`default`,
    /// `currency`, ...).
    pub helper: Option<String>,
    /// What it prints is an amount of money formatted from its first read
    /// (`{{currency account.balance account.currency}}`).
    pub formats_money: bool,
    pub reads: Vec<Read>,
    /// `{{ }}` escapes HTML; `{{{ }}}` does not.
    pub escaped: bool,
    /// What it prints of data is HTML-escaped: by `{{ }}`, or by the helper
    /// itself (a declared helper with `interpolate: true`, as i18next does).
    pub escapes_data: bool,
    pub loc: SourceLoc,
    /// Inside an `{{#each}}`: its paths contain `[]` and it may render many times.
    pub in_loop: bool,
    /// `{{title}}` calls the dialect's helper `title`: the field it would
    /// print were there no such helper (what `{{this.title}}` prints).
    pub shadowed_field: Option<String>,
    /// The field as the template writes it, when the token prints one field
    /// and calls nothing (`balance` in `{{#with account}}{{balance}}`):
    /// what a fix rewrites.
    pub written_path: Option<String>,
    /// Where it prints in the HTML of an email body (a plain-text field's
    /// outputs are all [`Place::Text`]).
    pub place: Place,
    /// The paths the blocks around it test (`{{#if a}}…{{/if}}`), innermost
    /// last: a guard that tests a field it does not print is
    /// `guard-mismatch`'s.
    pub guarded_by: Vec<String>,
}

/// A data path read by a token, and what protects it when the data is missing.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Read {
    /// Dotted path from the profile's root; `[]` stands for each item of a list.
    pub path: String,
    pub fallback: Option<Fallback>,
    /// Guarded by a comparison that only admits values above zero
    /// (`{{#if (gt account.balance 0)}}` or an audience `gt: 0`).
    pub positive_guard: bool,
}

impl Read {
    /// A read of `path` and what protects it: a fallback the expression
    /// gives (`by_default`), else the innermost block that proves it has a
    /// value (`guard`, where that block is), else the variant's audience;
    /// guarded positive by a block (`guarded_positive`) or the audience.
    fn new(
        path: String,
        by_default: bool,
        guard: Option<&SourceLoc>,
        guarded_positive: bool,
        audience: Option<&crate::audience::Condition>,
    ) -> Read {
        let fallback = if by_default {
            Some(Fallback::Default)
        } else if let Some(loc) = guard {
            Some(Fallback::Guard { loc: loc.clone() })
        } else if audience.is_some_and(|a| a.guarantees_present(&path)) {
            Some(Fallback::Audience)
        } else {
            None
        };
        let positive_guard =
            guarded_positive || audience.is_some_and(|a| a.guarantees_positive(&path));
        Read {
            path,
            fallback,
            positive_guard,
        }
    }
}

/// A condition around the outputs being lowered, as its front end reads
/// it (`{{#if a}}`, `{% if a != blank %}`, `*|IF:A|*`).
pub(crate) struct Guard {
    /// The paths it tests: `guard-mismatch` compares them with what prints.
    pub tested: Vec<String>,
    /// The paths that have a value wherever its branch renders.
    pub present: Vec<String>,
    /// The paths above zero wherever its branch renders.
    pub positive: Vec<String>,
    pub loc: SourceLoc,
}

/// The conditions around the outputs being lowered, innermost last: one
/// stack every front end keeps, so that what protects an output means the
/// same in every template language.
#[derive(Default)]
pub(crate) struct Guards(Vec<Guard>);

impl Guards {
    pub(crate) fn push(&mut self, guard: Guard) {
        self.0.push(guard);
    }

    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    /// A read of `path` printed inside them: its fallback (`by_default`,
    /// else the innermost guard that proves it present, else the
    /// variant's audience) and whether something guards it above zero.
    pub(crate) fn read(
        &self,
        path: String,
        by_default: bool,
        audience: Option<&crate::audience::Condition>,
    ) -> Read {
        let guard = self.0.iter().rev().find(|g| g.present.contains(&path));
        let positive = self.0.iter().any(|g| g.positive.contains(&path));
        Read::new(path, by_default, guard.map(|g| &g.loc), positive, audience)
    }

    /// Every path they test, outermost first: a token's `guarded_by`.
    pub(crate) fn tested(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|g| g.tested.iter().cloned())
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Fallback {
    /// Wrapped in `{{default path "..."}}`.
    Default,
    /// Inside a block that guards the same path (`{{#if}}`, `{{#with}}`,
    /// the `{{else}}` of `{{#unless}}`), which is at `loc`.
    Guard { loc: SourceLoc },
    /// The variant's audience only admits profiles that have the value.
    Audience,
}

/// A block and the data it reads to decide (`{{#if (gt points 0)}}`), or
/// the list it loops over (`{{#each orders}}`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BlockRead {
    /// Whether it guards, loops or scopes, as its dialect defines it.
    pub role: BlockRole,
    /// How its language writes the block's opening, for messages:
    /// `{{#if}}`.
    pub written: String,
    pub paths: Vec<String>,
    /// Literal values the condition compares with, for edge-case thresholds.
    pub literals: Vec<Value>,
    pub loc: SourceLoc,
}

/// `{{!-- mergeproof-allow RULE: reason --}}`: RULE accepted for the next
/// token, and for the rest of the comment's line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct InlineAllow {
    pub rule: crate::rule_id::RuleId,
    pub reason: String,
    /// Where the comment is.
    pub loc: SourceLoc,
    /// Where the token after it is, if there is one.
    pub next_token: Option<SourceLoc>,
}

impl InlineAllow {
    /// Reads `mergeproof-allow RULE: reason` from a comment at `loc`;
    /// `None` for any other comment. A comment that says mergeproof-allow
    /// but not that is a load error, so an allow is never silently ignored;
    /// `spelled` writes a comment in the template's language, for the
    /// message (`{{!-- {} --}}`, `{% # {} %}`).
    pub(crate) fn read(
        comment: &str,
        loc: SourceLoc,
        spelled: &str,
    ) -> Option<Result<InlineAllow, crate::source::LoadError>> {
        let rest = comment.trim().strip_prefix("mergeproof-allow")?;
        let (rule, reason) = rest.split_once(':').unwrap_or((rest, ""));
        let (rule, reason) = (rule.trim(), reason.trim());
        let example = |what: &str| spelled.replace("{}", &format!("mergeproof-allow {what}"));
        let Some(id) = crate::rule_id::RuleId::parse(rule) else {
            let hint = crate::source::hint_suffix(rule, &crate::rule_id::RuleId::names());
            return Some(Err(crate::source::LoadError::at(
                &loc,
                format!(
                    "`mergeproof-allow` names no rule `{rule}`{hint}; write `{}`",
                    example("RULE: reason")
                ),
            )));
        };
        if reason.is_empty() {
            return Some(Err(crate::source::LoadError::at(
                &loc,
                format!(
                    "`mergeproof-allow {rule}` needs a reason after a colon: `{}`",
                    example(&format!("{rule}: why"))
                ),
            )));
        }
        Some(Ok(InlineAllow {
            rule: id,
            reason: reason.to_string(),
            loc,
            next_token: None,
        }))
    }

    /// Whether it accepts a finding of `rule` at `loc`.
    pub(crate) fn accepts(&self, rule: crate::rule_id::RuleId, loc: &SourceLoc) -> bool {
        self.accepts_at(rule, &loc.file, loc.line, loc.column)
    }

    /// [`InlineAllow::accepts`], the place given by its parts.
    pub(crate) fn accepts_at(
        &self,
        rule: crate::rule_id::RuleId,
        file: &str,
        line: u32,
        column: u32,
    ) -> bool {
        rule == self.rule
            && file == &*self.loc.file
            && ((line == self.loc.line && column > self.loc.column)
                || self
                    .next_token
                    .as_ref()
                    .is_some_and(|t| t.line == line && t.column == column))
    }
}

impl Analysis {
    /// The allow comments still waiting for a token take the one at `loc`.
    pub(crate) fn token_follows(&mut self, loc: &SourceLoc) {
        for allow in self.allows.iter_mut().filter(|a| a.next_token.is_none()) {
            allow.next_token = Some(loc.clone());
        }
    }
}

/// Everything analysis learns about one template.
#[derive(Clone, Debug, Default)]
pub(crate) struct Analysis {
    /// Inline `mergeproof-allow` comments.
    pub allows: Vec<InlineAllow>,
    pub tokens: Vec<Token>,
    pub blocks: Vec<BlockRead>,
    /// Paths read by partials called with arguments (rendered unmarked).
    pub other_reads: Vec<String>,
    /// Something reads the profile as a whole (`{{#each this}}` at the top,
    /// `{{lookup . key}}`, a partial whose name is computed): any field may
    /// matter, not only the paths above.
    pub reads_root: bool,
}
