//! The commands about one campaign or one rule: `explain`, `preview` and
//! `edge-cases`.

use std::path::Path;
use std::process::ExitCode;

use mergeproof_core::engine::{self, Options};
use mergeproof_core::finding::Field;
use mergeproof_core::project::load_project;
use mergeproof_core::report;
use mergeproof_core::rule_id::RuleId;
use mergeproof_core::sanitize::{visible, visible_multiline};

use super::{
    EdgeCaseArgs, ExplainArgs, PreviewArgs, PreviewFormat, project_root, write_output,
    write_output_with,
};

pub(super) fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    if args.list {
        for d in mergeproof_core::rules::docs() {
            out.push_str(&format!(
                "{:<22} {:<8} {}\n",
                d.id,
                d.default_severity.as_str(),
                d.summary
            ));
        }
    } else if let Some(id) = &args.rule {
        let Some(rule) = RuleId::parse(id) else {
            let hint = mergeproof_core::source::hint_prefix(id, &RuleId::names());
            anyhow::bail!("no rule `{id}`: {hint}`mergeproof explain --list` lists them");
        };
        let dialect = match &args.dialect {
            Some(name) => mergeproof_core::dialect::Dialect::parse(name),
            None => project_dialect(),
        };
        out.push_str(&mergeproof_core::rules::doc(rule).explanation_in(dialect));
    }
    write_output(None, &out)?;
    Ok(ExitCode::SUCCESS)
}

/// The `dialect:` of the project around the current folder, when there is
/// one that sets it; a config that does not load sets none here (`lint`
/// reports it).
fn project_dialect() -> Option<mergeproof_core::dialect::Dialect> {
    let root = project_root(None).ok()?;
    let text = std::fs::read_to_string(root.join(mergeproof_core::config::CONFIG_FILE)).ok()?;
    let mut errors = Vec::new();
    let config = mergeproof_core::config::Config::parse(
        &text,
        mergeproof_core::config::CONFIG_FILE,
        &mut errors,
    );
    (errors.is_empty() && text.lines().any(|l| l.trim_start().starts_with("dialect:")))
        .then_some(config.dialect)
}

/// Loads a project and compiles one of its campaigns, or says clearly why not.
/// Without `--campaign`, the project's one campaign.
fn compiled_campaign(
    path: &Path,
    campaign: Option<&str>,
) -> anyhow::Result<(
    mergeproof_core::project::Project,
    std::sync::Arc<mergeproof_core::template::CompiledCampaign>,
)> {
    let project = load_project(path);
    let (compiled, broken, _) = engine::compile_project(&project);
    let campaign = match campaign {
        Some(campaign) => campaign.to_string(),
        None => {
            let ids: Vec<String> = project
                .campaigns
                .iter()
                .map(|c| c.id.clone())
                .chain(project.broken_campaigns.iter().filter_map(|b| {
                    Path::new(&b.file)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                }))
                .collect();
            match ids.as_slice() {
                [one] => one.clone(),
                [] => anyhow::bail!(
                    "no campaign in {}: a campaign is a `.yaml` file in campaigns/",
                    visible(&path.join("campaigns").display().to_string())
                ),
                _ => anyhow::bail!(
                    "this project has {} campaigns: pass --campaign ID (campaigns: {})",
                    ids.len(),
                    visible(&ids.join(", "))
                ),
            }
        }
    };
    let campaign = campaign.as_str();
    let Some(compiled) = compiled.into_iter().find(|c| c.campaign.id == campaign) else {
        let failed = project
            .broken_campaigns
            .iter()
            .chain(broken.iter())
            .find(|b| {
                Path::new(&b.file)
                    .file_stem()
                    .is_some_and(|s| s == campaign)
            });
        if let Some(b) = failed {
            let errors: Vec<String> = b.errors.iter().map(|e| e.to_string()).collect();
            anyhow::bail!(
                "campaign `{campaign}` does not load:\n{}",
                errors.join("\n")
            );
        }
        let ids: Vec<&str> = project.campaigns.iter().map(|c| c.id.as_str()).collect();
        let hint = mergeproof_core::source::hint_suffix(campaign, &ids);
        anyhow::bail!(
            "no campaign `{}`{hint} (campaigns: {})",
            visible(campaign),
            ids.join(", ")
        );
    };
    Ok((project, compiled))
}

/// Loads a project and checks one of its campaigns.
fn campaign_run(
    path: &Path,
    campaign: Option<&str>,
    edge_cases: bool,
) -> anyhow::Result<engine::CampaignRun> {
    let (project, compiled) = compiled_campaign(path, campaign)?;
    Ok(engine::run_campaign(
        compiled,
        &project.profiles,
        &project.config,
        &Options {
            edge_cases,
            ..Default::default()
        },
    ))
}

pub(super) fn preview(args: &PreviewArgs) -> anyhow::Result<ExitCode> {
    let root = project_root(args.path.as_deref())?;
    let run = campaign_run(&root, args.campaign.as_deref(), true)?;
    let compiled = &run.compiled;
    let Some(pi) = run.profiles.iter().position(|p| p.id == args.profile) else {
        let ids: Vec<&str> = run.profiles.iter().map(|p| p.id.as_str()).collect();
        let hint = mergeproof_core::source::hint_suffix(&args.profile, &ids);
        anyhow::bail!(
            "no profile `{}`{hint} (sample ids, or edge case names from `mergeproof edge-cases`)",
            visible(&args.profile)
        );
    };
    let variant_ids: Vec<&str> = compiled
        .campaign
        .variants
        .iter()
        .map(|v| v.id.as_str())
        .collect();
    // Without --variant: what the profile receives.
    let wanted = match &args.variant {
        Some(v) => v.clone(),
        None => match run.selection[pi] {
            Some(vi) => variant_ids[vi].to_string(),
            None => anyhow::bail!(
                "profile `{}` receives no variant of `{}`; pass --variant to see one anyway (variants: {})",
                visible(&args.profile),
                visible(&compiled.campaign.id),
                variant_ids.join(", ")
            ),
        },
    };
    let Some(vi) = variant_ids.iter().position(|v| *v == wanted) else {
        let hint = mergeproof_core::source::hint_suffix(&wanted, &variant_ids);
        anyhow::bail!(
            "no variant `{}` in `{}`{hint} (variants: {})",
            visible(&wanted),
            visible(&compiled.campaign.id),
            variant_ids.join(", ")
        );
    };
    let profile = &run.profiles[pi];
    let project_config = load_project(&root).config;
    let width = match &args.client {
        Some(name) => Some(project_config.client_width(name).ok_or_else(|| {
            let names: Vec<&str> = project_config
                .clients
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            anyhow::anyhow!("no client `{name}`; clients: {}", names.join(", "))
        })?),
        None => None,
    };
    let cell = compiled.render(vi, profile);
    let receives = run.selection[pi];
    let findings: Vec<&mergeproof_core::finding::Finding> = run
        .findings
        .iter()
        .filter(|f| {
            f.profile.as_deref() == Some(profile.id.as_str())
                && f.variant.as_deref() == Some(wanted.as_str())
        })
        .collect();
    let received_id = receives.map(|i| compiled.campaign.variants[i].id.clone());
    let reading = cell.body.reading();
    let html = cell.body.html.as_deref();
    match args.format {
        PreviewFormat::Json => {
            let field = |f: Field| cell.field(f).map(|r| r.plain.text.clone());
            let value = serde_json::json!({
                "campaign": compiled.campaign.id,
                "variant": wanted,
                "profile": profile.id,
                "profile_kind": profile.kind,
                "receives": received_id,
                "subject": field(Field::Subject),
                "subject_visible": width.and_then(|w| field(Field::Subject).map(|s| s.chars().take(w).collect::<String>())),
                // The variant's own; the body's hidden one is `inbox_preview`.
                "preheader": compiled
                    .variants
                    .get(vi)
                    .and_then(|v| v.preheader.as_ref())
                    .and(field(Field::Preheader)),
                "inbox_preview": html.map(|h| h.preheader.text.clone()).filter(|t| !t.is_empty()),
                "body": cell.body.output.text,
                "body_text": cell.body.plain.text,
                "body_reading": reading.text.text,
                "outlook_only": html.map(|h| h.outlook_only.text.clone()).filter(|t| !t.is_empty()),
                "links": reading.links.iter().enumerate().map(|(i, l)| serde_json::json!({
                    "number": i + 1,
                    "href": l.text,
                })).collect::<Vec<_>>(),
                "images": html.map(|h| h.images.iter().map(|i| serde_json::json!({
                    "src": i.src.text,
                    "alt": i.alt.text,
                })).collect::<Vec<_>>()).unwrap_or_default(),
                "findings": findings,
            });
            // Profile data in it: control and bidi characters escaped.
            write_output_with(None, |w| {
                report::json::write_safe(w, &value)?;
                w.write_all(b"\n")
            })?;
        }
        PreviewFormat::Text => {
            let mut out = String::new();
            out.push_str(&format!(
                "campaign  {}\nvariant   {}\nprofile   {}",
                visible(&compiled.campaign.id),
                visible(&wanted),
                visible(&profile.id)
            ));
            if let Some(d) = &profile.description {
                out.push_str(&format!(" — {}", visible(d)));
            }
            out.push('\n');
            if received_id.as_deref() != Some(wanted.as_str()) {
                out.push_str(&format!(
                    "note      this profile would receive {}, not this variant\n",
                    received_id
                        .map(|v| format!("`{}`", visible(&v)))
                        .unwrap_or_else(|| "no variant".into())
                ));
            }
            out.push('\n');
            if let Some(subject) = cell.field(Field::Subject) {
                let text = &subject.plain.text;
                match width {
                    Some(w) if text.chars().count() > w => {
                        let shown: String = text.chars().take(w).collect();
                        out.push_str(&format!(
                            "Subject:   {}…  (cut at {w} on {})\n",
                            visible(&shown),
                            visible(args.client.as_deref().unwrap_or(""))
                        ));
                    }
                    _ => out.push_str(&format!("Subject:   {}\n", visible(text))),
                }
            }
            // Without a `preheader:` of its own, the cell's preheader is the
            // body's hidden one, shown once, as the inbox line.
            if let Some(pre) = cell
                .field(Field::Preheader)
                .filter(|p| html.is_none_or(|h| h.preheader.text != p.plain.text))
            {
                out.push_str(&format!("Preheader: {}\n", visible(&pre.plain.text)));
            }
            if let Some(line) = html.map(|h| &h.preheader.text).filter(|t| !t.is_empty()) {
                out.push_str(&format!("Inbox:     {}\n", visible(line)));
            }
            out.push_str(&format!("\n{}\n", visible_multiline(&reading.text.text)));
            if !reading.links.is_empty() {
                out.push_str("\nLinks\n");
                for (i, link) in reading.links.iter().enumerate() {
                    out.push_str(&format!("  [{}] {}\n", i + 1, visible(&link.text)));
                }
            }
            if let Some(h) = html.filter(|h| !h.images.is_empty()) {
                out.push_str("\nImages\n");
                for image in &h.images {
                    let alt = if image.alt.text.is_empty() {
                        "no alt text".to_string()
                    } else {
                        visible(&image.alt.text)
                    };
                    out.push_str(&format!("  {} ({alt})\n", visible(&image.src.text)));
                }
            }
            if let Some(text) = html.map(|h| &h.outlook_only.text).filter(|t| !t.is_empty()) {
                out.push_str(&format!("\nOutlook only\n{}\n", visible_multiline(text)));
            }
            for f in [&cell.subject, &cell.preheader]
                .into_iter()
                .flatten()
                .chain([&cell.body])
            {
                if let Some(e) = &f.error {
                    let what = if e.aborted {
                        "not sent"
                    } else {
                        "render error"
                    };
                    out.push_str(&format!("\n{what}: {}\n", visible(&e.to_string())));
                }
            }
            if !findings.is_empty() {
                out.push_str("\nFindings\n");
                for f in findings {
                    out.push_str(&format!(
                        "  {} [{}] {}: {}\n",
                        f.severity,
                        f.rule,
                        f.field,
                        visible(&f.message)
                    ));
                }
            }
            write_output(None, &out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a campaign's edge cases as one YAML list, in the shape of a file in
/// `sample-profiles/`, so that it can be saved there as it is. Asked for by
/// name, they are made even when `edge_cases.enabled` is off.
pub(super) fn edge_cases(args: &EdgeCaseArgs) -> anyhow::Result<ExitCode> {
    let root = project_root(args.path.as_deref())?;
    let (project, compiled) = compiled_campaign(&root, args.campaign.as_deref())?;
    let set = mergeproof_core::edge::synthesize(&compiled, &project.profiles, &project.config);
    let yaml = mergeproof_core::edge::to_yaml(&set.whole_profiles(&project.profiles));
    let header = format!(
        "# {} edge-case profiles for campaign `{}`, synthesized by mergeproof.\n",
        set.profiles.len(),
        visible(&compiled.campaign.id)
    );
    write_output(None, &(header + &yaml))?;
    if set.capped {
        tell!(
            "note: capped at {} edge cases (edge_cases.max_per_campaign in mergeproof.yaml)",
            set.profiles.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
