//! Paths as written (`../first_name`, `this.name`, `@root.tier`, a block
//! parameter, a partial's hash argument) resolved to dotted paths from the
//! profile's root, and expressions put back into words for messages.

use handlebars::Path as HbPath;
use handlebars::template::{BlockParam, Parameter};

use super::Walker;

impl Walker<'_> {
    pub(super) fn resolve(&self, path: &HbPath) -> Option<String> {
        match path {
            HbPath::Relative((_, raw)) => self.resolve_raw(raw),
            HbPath::Local(_) => None,
        }
    }

    /// Turns a path as written (`../first_name`, `this.name`, `@root.tier`,
    /// `account/balance`) into a dotted path from the profile's root.
    pub(super) fn resolve_raw(&self, raw: &str) -> Option<String> {
        let mut rest = raw.trim();
        if rest.starts_with('@') && !rest.starts_with("@root") {
            return None;
        }
        let mut depth = self.scopes.len() - 1;
        if let Some(r) = rest.strip_prefix("@root") {
            depth = 0;
            rest = r.trim_start_matches(['.', '/']);
        }
        while let Some(r) = rest.strip_prefix("../") {
            depth = depth.saturating_sub(1);
            rest = r;
        }
        for prefix in ["this.", "this/", "./"] {
            if let Some(r) = rest.strip_prefix(prefix) {
                rest = r;
            }
        }
        if rest == "this" || rest == "." {
            rest = "";
        }
        let segments: Vec<String> = rest
            .split(['.', '/'])
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_start_matches('[').trim_end_matches(']').to_string())
            .collect();
        // A name a partial's hash binds reads what the caller passed.
        if let Some(first) = segments.first()
            && let Some((_, bound)) = self.scopes[depth].hash.iter().find(|(n, _)| n == first)
        {
            // A literal (`buttonText='Share'`) reads no data.
            return bound.as_ref().map(|path| {
                std::iter::once(path.as_str())
                    .chain(segments[1..].iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(".")
            });
        }
        // A block parameter names the item of its scope.
        let (base, segments) = match segments.first() {
            Some(first) => match self.scopes[..=depth]
                .iter()
                .rev()
                .find(|s| s.param.as_deref() == Some(first.as_str()))
            {
                Some(scope) => (scope.prefix.clone(), segments[1..].to_vec()),
                None => (self.scopes[depth].prefix.clone(), segments),
            },
            None => (self.scopes[depth].prefix.clone(), segments),
        };
        let joined = std::iter::once(base)
            .chain(segments)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(".");
        if joined.is_empty() && (!raw.trim().starts_with('@') || raw.trim() == "@root") {
            self.reads_root.set(true);
        }
        (!joined.is_empty()).then_some(joined)
    }
}

pub(super) fn block_param_name(param: Option<&BlockParam>) -> Option<String> {
    match param? {
        BlockParam::Single(p) | BlockParam::Pair((p, _)) => parameter_name(p),
        _ => None,
    }
}

pub(super) fn parameter_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Name(n) => Some(n.clone()),
        Parameter::Path(HbPath::Relative((_, raw))) => Some(raw.clone()),
        Parameter::Path(HbPath::Local((_, _, raw))) => Some(raw.clone()),
        _ => None,
    }
}

/// The expression as a person wrote it, near enough for a message.
pub(super) fn expression_text(
    name: &Parameter,
    params: &[Parameter],
    hash: &std::collections::HashMap<String, Parameter>,
) -> String {
    let mut parts = vec![parameter_text(name)];
    parts.extend(params.iter().map(parameter_text));
    let mut pairs: Vec<String> = hash
        .iter()
        .map(|(k, v)| format!("{k}={}", parameter_text(v)))
        .collect();
    pairs.sort();
    parts.extend(pairs);
    parts.join(" ")
}

pub(super) fn parameter_text(p: &Parameter) -> String {
    match p {
        Parameter::Literal(v) => v.to_string(),
        Parameter::Subexpression(sub) => {
            let params = sub.params().cloned().unwrap_or_default();
            let hash = sub.hash().cloned().unwrap_or_default();
            format!(
                "({})",
                expression_text(&Parameter::Name(sub.name().to_string()), &params, &hash)
            )
        }
        other => parameter_name(other).unwrap_or_default(),
    }
}
