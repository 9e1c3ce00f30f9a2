//! What a helper call reads: its paths (with the fallback its dialect's row
//! gives them), the literals it compares with, and the paths a comparison
//! only lets through above zero; and whether the helper is the dialect's.

use handlebars::template::Parameter;
use serde_json::Value;

use super::{Collected, ForeignHelper, Walker};
use crate::dialect::{Above, BlockRole, Dialect, FallbackArgs};
use crate::source::{LoadError, SourceLoc, hint_prefix};

impl Walker<'_> {
    pub(super) fn check_helper(&mut self, name: &str, loc: &SourceLoc) {
        if self.dialect.knows(name) {
            return;
        }
        // A helper of another platform: the campaign is written for it, and
        // the fix is the dialect, said once for the campaign (see
        // `super::one_error_for_another_dialect`). Names as common as
        // `upper` are a team's to declare under `helpers:` instead.
        let platform_own = |d: &Dialect| {
            !matches!(d, Dialect::Mergeproof | Dialect::Handlebars)
                && *d != self.dialect.dialect
                && d.helper(name).is_some()
        };
        if Dialect::Mergeproof.helper(name).is_none()
            && let Some(dialect) = Dialect::ALL.into_iter().find(platform_own)
        {
            self.foreign_helpers.push(ForeignHelper {
                name: name.to_string(),
                dialect,
                loc: loc.clone(),
            });
            return;
        }
        let known = self.dialect.known();
        let hint = hint_prefix(name, &known);
        self.errors.push(LoadError::at(
            loc,
            format!(
                "unknown helper `{name}` in the {dialect} dialect: {hint}its helpers: {}; a team's own helper is declared under `helpers:` in mergeproof.yaml",
                known.join(", "),
                dialect = self.dialect.dialect.name(),
            ),
        ));
    }

    /// Collects the paths a helper call reads. Inside `default`, every argument
    /// but the last has a fallback (the last one is the fallback).
    pub(super) fn collect_call(
        &mut self,
        helper: &str,
        params: &[Parameter],
        hash: &std::collections::HashMap<String, Parameter>,
        inside_default: bool,
        out: &mut Collected,
        loc: &SourceLoc,
    ) {
        let fallback = self.dialect.row(helper).and_then(|row| row.fallback);
        let is_default = fallback == Some(FallbackArgs::AllButLast);
        let last = params.len().saturating_sub(1);
        // SendGrid's `{{insert name "default=there"}}` prints its default in
        // place of a missing value.
        let inserts_default = fallback == Some(FallbackArgs::FirstWithDefaultText)
            && params.iter().any(
                |p| matches!(p, Parameter::Literal(Value::String(s)) if s.starts_with("default=")),
            );
        for (i, p) in params.iter().enumerate() {
            let guarded = inside_default || (is_default && i < last) || (inserts_default && i == 0);
            self.collect_param(p, guarded, out, loc);
        }
        for p in hash.values() {
            self.collect_param(p, inside_default, out, loc);
        }
    }

    /// The paths a condition only lets through when they are above zero:
    /// `(gt path 0)`, `(gte path 1)`, and either side of an `and`.
    pub(super) fn positive_paths(&self, helper: &str, params: &[Parameter]) -> Vec<String> {
        let row = self.dialect.row(helper);
        let above = row.and_then(|r| r.above);
        // What a positive comparison inside it guards: the whole of an
        // `and`, the block of an `if` or a `with`.
        let passes_through = row.is_some_and(|r| {
            r.conjunction
                || (matches!(r.block, BlockRole::Guard | BlockRole::Scope) && r.above.is_none())
        });
        match (above, params.first(), params.get(1)) {
            (Some(above), Some(Parameter::Path(p)), Some(Parameter::Literal(v))) => {
                let n = v.as_f64();
                let positive = match above {
                    Above::Strictly => n.is_some_and(|n| n >= 0.0),
                    Above::OrEqual => n.is_some_and(|n| n > 0.0),
                };
                if positive {
                    self.resolve(p).into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            // Mailchimp Transactional: ``{{#if `points > 0`}}``.
            (None, Some(Parameter::Literal(Value::String(text))), None)
                if helper == "if" && self.dialect.dialect == crate::dialect::Dialect::Mandrill =>
            {
                let Some(c) = crate::template::handlebars::helpers::parse_comparison(text) else {
                    return Vec::new();
                };
                let bound = match &c.right {
                    crate::template::handlebars::helpers::Operand::Literal(v) => v.as_f64(),
                    crate::template::handlebars::helpers::Operand::Path(_) => None,
                };
                let positive = match c.op {
                    ">" => bound.is_some_and(|n| n >= 0.0),
                    ">=" => bound.is_some_and(|n| n > 0.0),
                    _ => false,
                };
                match (&c.left, positive) {
                    (crate::template::handlebars::helpers::Operand::Path(p), true) => {
                        self.resolve_raw(p).into_iter().collect()
                    }
                    _ => Vec::new(),
                }
            }
            _ if passes_through => params
                .iter()
                .filter_map(|p| match p {
                    Parameter::Subexpression(sub) => Some(
                        self.positive_paths(sub.name(), &sub.params().cloned().unwrap_or_default()),
                    ),
                    _ => None,
                })
                .flatten()
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn collect_param(
        &mut self,
        p: &Parameter,
        by_default: bool,
        out: &mut Collected,
        loc: &SourceLoc,
    ) {
        match p {
            Parameter::Path(path) => {
                if let Some(resolved) = self.resolve(path) {
                    out.paths.push((resolved, by_default));
                }
            }
            Parameter::Name(n) => {
                if let Some(resolved) = self.resolve_raw(n) {
                    out.paths.push((resolved, by_default));
                }
            }
            Parameter::Literal(Value::String(text))
                if self.dialect.dialect == crate::dialect::Dialect::Mandrill =>
            {
                // ``{{#if `purchases > 3`}}`` reads `purchases`, compared with 3.
                match crate::template::handlebars::helpers::parse_comparison(text) {
                    Some(c) => {
                        for operand in [&c.left, &c.right] {
                            match operand {
                                crate::template::handlebars::helpers::Operand::Path(p) => {
                                    if let Some(resolved) = self.resolve_raw(p) {
                                        out.paths.push((resolved, by_default));
                                    }
                                }
                                crate::template::handlebars::helpers::Operand::Literal(v) => {
                                    out.literals.push(v.clone())
                                }
                            }
                        }
                    }
                    None => out.literals.push(Value::String(text.clone())),
                }
            }
            Parameter::Literal(v) => out.literals.push(v.clone()),
            Parameter::Subexpression(sub) => {
                let name = sub.name().to_string();
                self.check_helper(&name, loc);
                let params = sub.params().cloned().unwrap_or_default();
                let hash = sub.hash().cloned().unwrap_or_default();
                let mut inner = Collected::default();
                self.collect_call(&name, &params, &hash, by_default, &mut inner, loc);
                out.paths.extend(inner.paths);
                out.literals.extend(inner.literals);
            }
            _ => {}
        }
    }
}
