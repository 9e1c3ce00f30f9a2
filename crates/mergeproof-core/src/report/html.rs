//! `lint --format html`: the proof sheet, one self-contained page to open in
//! a browser or keep as a CI artifact.
//!
//! - a summary: counts per campaign and per rule, decisions and stale ones;
//! - per campaign, the matrix of profiles and variants (the received cell
//!   marked, a mark per finding severity);
//! - for every sample profile, and for the first edge profile of each defect,
//!   the email as that customer receives it: subject, inbox preview line, and
//!   the HTML in a sandboxed `<iframe srcdoc>` (no `allow-scripts`), its
//!   personalized parts highlighted (a toggle), at desktop or 375 px phone
//!   width, with the cell's findings and each rule's explanation beside it.
//!
//! Nothing leaves the page: the Content-Security-Policy allows no load from
//! anywhere (images in the emails show their alt text), and its one script,
//! the page's own keys and toggles, runs by its hash. The emails inherit the
//! policy and run no script at all. Every piece of profile data is escaped;
//! text outside the emails is also made visible (control characters as
//! escapes), as in every other report.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::finding::{Finding, ProfileKind, Severity};
use crate::rule_id::RuleId;
use crate::run::{CampaignRun, Run};
use crate::sanitize::visible;
use crate::template::RenderedText;

use super::text::defect_groups;

/// The page's own script: `n`/`N` from flag to flag, the highlight and width
/// toggles.
const SCRIPT: &str = include_str!("sheet/sheet.js");

const STYLE: &str = include_str!("sheet/sheet.css");

/// The style put into each email: the highlight of its personalized parts
/// (the page's script swaps it for the "off" rule of the same length).
const EMAIL_STYLE: &str = "mark.mp-data{background:#fff3a0;outline:1px solid #e0b000}";

/// The proof sheet of a run.
pub(crate) fn render(run: &Run) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'; frame-src 'self'; base-uri 'none'; form-action 'none'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>mergeproof proof sheet</title><style>{STYLE}</style></head><body>\n"
    );
    let s = run.summary();
    let _ = write!(
        out,
        "<h1>Proof sheet</h1>\n<div class=\"controls\"><label><input type=\"checkbox\" id=\"highlight\" checked> highlight personalized text</label> \
<label><input type=\"checkbox\" id=\"phone\"> phone width (375 px)</label> \
<span class=\"keys\">— <kbd>n</kbd>/<kbd>N</kbd>: next / previous flag</span></div>\n\
<p id=\"summary\">{} errors, {} warnings, {} info, {} accepted — {} campaigns, {} variants, {} profiles + {} edge cases, {} renders</p>\n",
        s.errors,
        s.warnings,
        s.infos,
        s.waived,
        s.campaigns,
        s.variants,
        s.profiles,
        s.edge_profiles,
        s.renders
    );
    write_load_errors(&mut out, run);
    write_summary_tables(&mut out, run);
    // Each campaign renders its emails again and packs its part: on all
    // cores, then in order.
    let sections: Vec<String> = {
        use rayon::prelude::*;
        run.campaigns
            .par_iter()
            .map(|campaign| {
                let mut section = String::new();
                write_campaign(&mut section, campaign);
                section
            })
            .collect()
    };
    sections.iter().for_each(|s| out.push_str(s));
    write_rules(&mut out, run);
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

fn write_load_errors(out: &mut String, run: &Run) {
    if run.load_errors.is_empty() {
        return;
    }
    out.push_str("<h2>Load errors</h2><ul id=\"load-errors\">");
    for e in &run.load_errors {
        let _ = write!(
            out,
            "<li class=\"error\">{}:{}:{}: {}</li>",
            text(&e.file),
            e.line,
            e.column,
            text(&e.message)
        );
    }
    out.push_str("</ul>\n");
}

/// Counts per campaign and per rule, and the review decisions.
fn write_summary_tables(out: &mut String, run: &Run) {
    out.push_str("<h2>Summary</h2><table id=\"per-campaign\"><tr><th>campaign</th><th>errors</th><th>warnings</th><th>info</th><th>accepted</th><th>stale decisions</th></tr>");
    let (mut waived, mut stale) = (0usize, 0usize);
    for c in &run.campaigns {
        let tally = crate::finding::Tally::of(&c.findings);
        let accepted = tally.total_accepted();
        let stale_here = c.findings.iter().filter(|f| is_stale(f)).count();
        waived += accepted;
        stale += stale_here;
        let _ = write!(
            out,
            "<tr><td><a href=\"#c-{id}\">{id}</a></td><td class=\"error\">{}</td><td class=\"warning\">{}</td><td class=\"info\">{}</td><td>{accepted}</td><td>{stale_here}</td></tr>",
            tally.active(Severity::Error),
            tally.active(Severity::Warning),
            tally.active(Severity::Info),
            id = text(c.id()),
        );
    }
    out.push_str("</table>\n");
    out.push_str("<table id=\"per-rule\"><tr><th>rule</th><th>defects</th><th>findings</th></tr>");
    for c in super::statistics::rule_counts(run) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.rule.as_str(),
            c.defects,
            c.findings
        );
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p>Review decisions: {waived} findings accepted, {stale} decisions stale (the content changed since), {} decisions match no finding any more.</p>",
        run.obsolete_decisions.len()
    );
}

fn is_stale(f: &Finding) -> bool {
    f.waiver
        .as_ref()
        .is_some_and(|w| w.kind == crate::review::STALE)
}

/// A campaign's part of the page larger than this is packed: gzip, in
/// base64, unpacked by the page's script. The emails of one campaign differ
/// little from profile to profile, so a large project's sheet shrinks about
/// tenfold.
const PACK_ABOVE: usize = 32 * 1024;

fn write_campaign(out: &mut String, campaign: &CampaignRun) {
    let id = campaign.id();
    let _ = writeln!(
        out,
        "<section class=\"campaign\" id=\"c-{}\" data-campaign=\"{}\"><h2>{}</h2>",
        attribute(id),
        attribute(id),
        text(id)
    );
    let mut body = String::new();
    write_campaign_body(&mut body, campaign);
    if body.len() > PACK_ABOVE {
        let _ = write!(
            out,
            "<div class=\"packed\" data-z=\"{}\">unpacking…</div>",
            pack(&body)
        );
    } else {
        out.push_str(&body);
    }
    out.push_str("</section>\n");
}

/// gzip, then base64: what `DecompressionStream('gzip')` reads back.
fn pack(html: &str) -> String {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to memory does not fail.
    let _ = gz.write_all(html.as_bytes());
    let bytes = gz.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn write_campaign_body(out: &mut String, campaign: &CampaignRun) {
    let compiled = &campaign.compiled;
    let id = campaign.id();
    // Findings by (profile, variant), for the matrix and the cards.
    let mut by_cell: HashMap<(&str, &str), Vec<&Finding>> = HashMap::new();
    let mut whole: Vec<&Finding> = Vec::new();
    for f in &campaign.findings {
        match (&f.profile, &f.variant) {
            (Some(p), Some(v)) => by_cell.entry((p, v)).or_default().push(f),
            _ => whole.push(f),
        }
    }
    if !whole.is_empty() {
        out.push_str("<div class=\"whole\">");
        for f in whole {
            write_flag(out, f);
        }
        out.push_str("</div>\n");
    }

    // The cells to show: every sample profile's, and the first edge profile
    // of each defect.
    let variants = &compiled.campaign.variants;
    let mut shown: Vec<(usize, usize)> = Vec::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let index: HashMap<&str, usize> = campaign
        .profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    for (pi, profile) in campaign.profiles.iter().enumerate() {
        if profile.kind == ProfileKind::Sample
            && let Some(vi) = campaign.selection[pi]
            && seen.insert((pi, vi))
        {
            shown.push((pi, vi));
        }
    }
    for group in defect_groups(&campaign.findings) {
        let first_edge = group
            .iter()
            .find(|f| f.profile_kind == Some(ProfileKind::Edge));
        if let Some(f) = first_edge
            && let (Some(p), Some(v)) = (&f.profile, &f.variant)
            && let Some(&pi) = index.get(p.as_str())
            && let Some(vi) = variants.iter().position(|x| *x.id == **v)
            && seen.insert((pi, vi))
        {
            shown.push((pi, vi));
        }
    }

    write_matrix(out, campaign, &by_cell, &seen);
    for (pi, vi) in shown {
        let profile = &campaign.profiles[pi];
        let variant = &variants[vi].id;
        let cell = compiled.render(vi, profile);
        let findings = by_cell
            .get(&(profile.id.as_str(), variant.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let kind = match profile.kind {
            ProfileKind::Sample => "sample",
            ProfileKind::Edge => "edge case",
        };
        let _ = write!(
            out,
            "<div class=\"card\" id=\"{}\"><div class=\"mail\"><h3>{} › {} — {} <span class=\"accepted\">({kind})</span></h3>",
            attribute(&cell_anchor(id, &profile.id, variant)),
            text(id),
            text(variant),
            text(&profile.id),
        );
        if let Some(d) = &profile.description {
            let _ = write!(out, "<div class=\"why\">{}</div>", text(d));
        }
        if let Some(reason) = cell.abort_reason() {
            let _ = writeln!(
                out,
                "<p class=\"aborted\">Not sent: the template cancels this send ({}).</p></div></div>",
                text(&reason)
            );
            continue;
        }
        let subject = cell.subject.as_ref().map(|f| &f.plain);
        let preview = cell
            .preheader
            .as_ref()
            .map(|f| &f.plain)
            .filter(|t| !t.text.trim().is_empty())
            .or(cell.body.html.as_ref().map(|h| &h.preheader))
            .filter(|t| !t.text.trim().is_empty());
        let _ = write!(
            out,
            "<div class=\"inbox\"><div class=\"subject\">{}</div><div class=\"preview\">{}</div></div>",
            subject.map_or_else(|| "<i>(no subject)</i>".to_string(), marked_text),
            preview.map_or_else(String::new, marked_text),
        );
        if compiled.campaign.channel.body_is_html() {
            let _ = write!(
                out,
                "<div class=\"email slot\" title=\"{} for {}\" data-srcdoc=\"{}\"></div>",
                attribute(variant),
                attribute(&profile.id),
                attribute(&email_document(&cell.body.output))
            );
        } else {
            let _ = write!(
                out,
                "<pre class=\"text\">{}</pre>",
                marked_text(&cell.body.plain)
            );
        }
        out.push_str("</div><div class=\"findings\">");
        if findings.is_empty() {
            out.push_str("<p class=\"accepted\">No finding for this profile.</p>");
        }
        for f in findings {
            write_flag(out, f);
        }
        out.push_str("</div></div>\n");
    }
}

fn cell_anchor(campaign: &str, profile: &str, variant: &str) -> String {
    format!(
        "cell-{}",
        crate::decision::digest(&[campaign, profile, variant])
    )
}

/// Profiles down, variants across: the received cell marked, and the
/// severities of its findings. Sample profiles, then the edge profiles that
/// have findings.
fn write_matrix(
    out: &mut String,
    campaign: &CampaignRun,
    by_cell: &HashMap<(&str, &str), Vec<&Finding>>,
    shown: &HashSet<(usize, usize)>,
) {
    let variants = &campaign.compiled.campaign.variants;
    out.push_str("<table class=\"matrix\"><tr><th>profile</th>");
    for v in variants {
        let _ = write!(out, "<th>{}</th>", text(&v.id));
    }
    out.push_str("</tr>");
    let flagged_edge: Vec<usize> = campaign
        .profiles
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == ProfileKind::Edge)
        .filter(|(_, p)| {
            variants
                .iter()
                .any(|v| by_cell.contains_key(&(p.id.as_str(), v.id.as_str())))
        })
        .map(|(i, _)| i)
        .collect();
    let samples =
        (0..campaign.profiles.len()).filter(|&i| campaign.profiles[i].kind == ProfileKind::Sample);
    for pi in samples.chain(flagged_edge) {
        let profile = &campaign.profiles[pi];
        let _ = write!(out, "<tr><td>{}</td>", text(&profile.id));
        for (vi, v) in variants.iter().enumerate() {
            let received = campaign.selection[pi] == Some(vi);
            let findings = by_cell.get(&(profile.id.as_str(), v.id.as_str()));
            let mut marks = String::new();
            if let Some(fs) = findings {
                for severity in [Severity::Error, Severity::Warning, Severity::Info] {
                    let n = fs
                        .iter()
                        .filter(|f| !f.waived && f.severity == severity)
                        .count();
                    if n > 0 {
                        let mark = match severity {
                            Severity::Error => '✗',
                            Severity::Warning => '▲',
                            Severity::Info => 'ℹ',
                        };
                        let _ = write!(
                            marks,
                            "<span class=\"{}\">{mark}{n}</span> ",
                            severity.as_str()
                        );
                    }
                }
                let accepted = fs.iter().filter(|f| f.waived).count();
                if accepted > 0 {
                    let _ = write!(marks, "<span class=\"accepted\">✓{accepted}</span>");
                }
            }
            let aborted =
                received && campaign.outcomes.get(pi) == Some(&crate::template::Outcome::Aborted);
            let label = match (received, aborted) {
                // The template cancelled this send on purpose.
                (true, true) => "aborted ",
                (true, false) => "receives ",
                _ => "",
            };
            let body = if shown.contains(&(pi, vi)) {
                format!(
                    "<a href=\"#{}\">{label}{marks}</a>",
                    cell_anchor(campaign.id(), &profile.id, &v.id)
                )
            } else {
                format!("{label}{marks}")
            };
            let class = if received { " class=\"received\"" } else { "" };
            let _ = write!(out, "<td{class}>{body}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");
}

/// One finding, with its rule's explanation and its decision.
fn write_flag(out: &mut String, f: &Finding) {
    let doc = crate::rules::rule(f.rule).doc();
    let class = if f.waived {
        "accepted"
    } else {
        f.severity.as_str()
    };
    let _ = write!(
        out,
        "<div class=\"flag {class}\" tabindex=\"0\" data-rule=\"{}\"><b>{}[{}]</b> {} <span class=\"accepted\">{}:{}:{}</span><br>{}",
        f.rule.as_str(),
        f.severity.as_str(),
        f.rule.as_str(),
        f.field.as_str(),
        text(&f.file),
        f.line,
        f.column,
        text(&f.message)
    );
    if !f.excerpt.is_empty() {
        let _ = write!(out, "<br><code>{}</code>", text(&f.excerpt));
    }
    if let Some(fix) = &f.fix {
        let _ = write!(out, "<div class=\"fix\">fix: {}</div>", text(&fix.text));
    }
    if let Some(w) = &f.waiver {
        let who = w.reviewer.as_deref().map(text).unwrap_or_default();
        let _ = write!(
            out,
            "<div class=\"decision\">{}: {} {who}</div>",
            text(&w.kind),
            text(&w.reason)
        );
    }
    let _ = write!(
        out,
        "<br><a class=\"why\" href=\"#rule-{}\">why and how to fix</a></div>",
        doc.id.as_str()
    );
}

/// What each rule that flagged something catches, why it matters and how to
/// fix it: once, for every flag to link to.
fn write_rules(out: &mut String, run: &Run) {
    let mut rules: Vec<RuleId> = run.findings().map(|f| f.rule).collect();
    rules.sort_by_key(|r| r.as_str());
    rules.dedup();
    if rules.is_empty() {
        return;
    }
    out.push_str("<h2>Rules</h2>\n");
    for rule in rules {
        let doc = crate::rules::rule(rule).doc();
        let _ = writeln!(
            out,
            "<div class=\"rule\" id=\"rule-{id}\"><h3>{id}</h3><p>{}</p><p class=\"why\">{}</p><p><b>Fix:</b> {}</p><p class=\"why\"><b>Accepting it:</b> {}</p></div>",
            text(doc.summary),
            text(doc.why),
            text(doc.fix),
            text(doc.accept),
            id = rule.as_str(),
        );
    }
}

/// The email as sent, with its personalized parts in `<mark>` where they are
/// text (never inside a tag, a `<style>`, `<script>`, `<title>` or `<head>`).
fn email_document(output: &RenderedText) -> String {
    let html = &output.text;
    let marks = ordered_spans(output);
    let text_places = text_positions(html);
    let mut out = String::with_capacity(html.len() + marks.len() * 32 + 128);
    let _ = write!(out, "<style>{EMAIL_STYLE}</style>");
    let mut from = 0;
    for (start, end) in marks {
        if start < from
            || !html.is_char_boundary(start)
            || !html.is_char_boundary(end)
            || !text_places.is_text(start, end)
        {
            continue;
        }
        out.push_str(&html[from..start]);
        out.push_str("<mark class=\"mp-data\">");
        out.push_str(&html[start..end]);
        out.push_str("</mark>");
        from = end;
    }
    out.push_str(&html[from..]);
    out
}

/// The byte ranges of the personalized parts, in order, empty ones left out.
/// Where two overlap (a partial's output inside a token's), the first wins.
fn ordered_spans(rendered: &RenderedText) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = rendered
        .spans
        .iter()
        .filter(|s| s.start < s.end && s.end <= rendered.text.len())
        .map(|s| (s.start, s.end))
        .collect();
    spans.sort_unstable();
    spans
}

/// Where a document's text is: the byte ranges outside tags, comments and
/// the elements whose content is not shown.
struct TextPlaces(Vec<(usize, usize)>);

impl TextPlaces {
    /// Whether `start..end` lies within one stretch of text.
    fn is_text(&self, start: usize, end: usize) -> bool {
        let i = self.0.partition_point(|&(_, e)| e < end);
        self.0.get(i).is_some_and(|&(s, e)| s <= start && end <= e)
    }
}

fn text_positions(html: &str) -> TextPlaces {
    const HIDDEN: [&str; 5] = ["head", "style", "script", "title", "textarea"];
    let bytes = html.as_bytes();
    let lower = html.to_ascii_lowercase();
    let mut places = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if text_start < i {
            places.push((text_start, i));
        }
        // A comment (Outlook's conditional blocks among them) ends at `-->`.
        if lower[i..].starts_with("<!--") {
            i = lower[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            text_start = i;
            continue;
        }
        // A tag ends at the first `>` outside quotes.
        let mut j = i + 1;
        let mut quote = None;
        while j < bytes.len() {
            match (quote, bytes[j]) {
                (None, b'"' | b'\'') => quote = Some(bytes[j]),
                (Some(q), c) if c == q => quote = None,
                (None, b'>') => break,
                _ => {}
            }
            j += 1;
        }
        let tag_end = (j + 1).min(bytes.len());
        let name: String = lower[i + 1..tag_end]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        i = tag_end;
        if HIDDEN.contains(&name.as_str()) {
            let close = format!("</{name}");
            i = lower[i..].find(&close).map_or(bytes.len(), |e| i + e);
        }
        text_start = i;
    }
    if text_start < bytes.len() {
        places.push((text_start, bytes.len()));
    }
    TextPlaces(places)
}

/// Rendered text (a subject, a preview line) escaped, its personalized parts
/// in `<mark>`, control characters made visible.
fn marked_text(rendered: &RenderedText) -> String {
    let t = &rendered.text;
    let mut out = String::new();
    let mut from = 0;
    for (start, end) in ordered_spans(rendered) {
        if start < from || !t.is_char_boundary(start) || !t.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text(&t[from..start]));
        let _ = write!(
            out,
            "<mark class=\"mp-data\">{}</mark>",
            text(&t[start..end])
        );
        from = end;
    }
    out.push_str(&text(&t[from..]));
    out
}

/// Text for the page: control and invisible characters made visible, then
/// escaped for HTML.
fn text(s: &str) -> String {
    escape(&visible(s))
}

/// An attribute value (inside double quotes).
fn attribute(s: &str) -> String {
    escape(s)
}

/// The five characters HTML gives meaning to.
fn escape(s: &str) -> String {
    crate::template::html::escape_text(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Options, run};
    use crate::project::load_project_from_memory;
    use crate::review::Decisions;

    fn sheet(files: &[(&str, &str)]) -> String {
        let files = files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let project = load_project_from_memory(&files);
        assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
        render(&run(
            &project,
            &Options {
                edge_cases: true,
                ..Default::default()
            },
            &Decisions::default(),
        ))
    }

    const CAMPAIGN: &str = "variants:\n  - id: a\n    subject: \"Hi {{first_name}}\"\n    body: \"<p title=\\\"{{first_name}}\\\">Hi {{first_name}}, <a href=\\\"https://x.example/{{first_name}}\\\">go</a></p><script>document.title='ran'</script>\"\n";

    #[test]
    fn profile_data_is_escaped_and_marked_only_where_it_is_text() {
        let page = sheet(&[
            ("campaigns/c.yaml", CAMPAIGN),
            (
                "sample-profiles/p.yaml",
                "- id: ann\n  first_name: \"<b>Ann</b>\"\n",
            ),
        ]);
        // Outside the emails, the data is escaped text.
        assert!(!page.contains("<b>Ann</b>"), "raw data on the page");
        assert!(page.contains("&lt;b&gt;Ann&lt;/b&gt;"));
        // Inside one (an attribute), escaped twice: once by Handlebars,
        // once as the srcdoc attribute.
        assert!(page.contains("&lt;mark class=&quot;mp-data&quot;&gt;&amp;lt;b&amp;gt;Ann"));
        // Never a mark inside a tag's attribute.
        assert!(
            !page.contains("title=&quot;&lt;mark"),
            "mark inside an attribute"
        );
        assert!(!page.contains("https://x.example/&lt;mark"));
        // The emails run nothing: a sandbox without allow-scripts.
        assert!(page.contains("frame.setAttribute('sandbox', '')"));
        assert!(
            !page.contains(" srcdoc=\""),
            "emails are made by the page, near the screen"
        );
        assert!(!page.contains("allow-scripts"));
    }

    #[test]
    fn the_page_loads_nothing_and_runs_only_its_own_script() {
        let page = sheet(&[
            ("campaigns/c.yaml", CAMPAIGN),
            ("sample-profiles/p.yaml", "- id: ann\n  first_name: Ann\n"),
        ]);
        let csp = page
            .split("Content-Security-Policy\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
        assert!(
            csp.contains(&format!("script-src 'sha256-{hash}'")),
            "{csp}"
        );
        assert_eq!(page.matches("<script>").count(), 1, "one script of its own");
        assert!(
            !page.contains("http://"),
            "no remote address outside the emails"
        );
    }

    #[test]
    fn samples_and_the_first_edge_profile_of_each_defect_are_shown() {
        let page = sheet(&[
            ("campaigns/c.yaml", CAMPAIGN),
            ("sample-profiles/p.yaml", "- id: ann\n  first_name: Ann\n"),
        ]);
        assert!(page.matches("<div class=\"card\"").count() >= 2);
        assert!(page.contains("— ann <span class=\"accepted\">(sample)"));
        assert!(page.contains("(edge case)"));
        assert!(page.contains("data-rule=\"missing-fallback\""));
    }

    #[test]
    fn text_places_leave_out_tags_comments_and_hidden_elements() {
        let html = "<head><title>T</title></head><p a=\"x>y\">Hi</p><!--[if mso]><b>o</b><![endif]--><style>p{}</style>end";
        let places = text_positions(html);
        let hi = html.find("Hi").unwrap();
        assert!(places.is_text(hi, hi + 2));
        let t = html.find('T').unwrap();
        assert!(!places.is_text(t, t + 1));
        let o = html.find("o</b>").unwrap();
        assert!(!places.is_text(o, o + 1));
        let end = html.rfind("end").unwrap();
        assert!(places.is_text(end, end + 3));
        assert!(!places.is_text(hi, end + 3), "one stretch at a time");
    }

    /// A cell the template cancels (Braze's `abort_message`) is marked
    /// aborted in the matrix and shows why it is not sent; a sent cell is
    /// neither.
    #[test]
    fn an_aborted_cell_says_it_is_not_sent() {
        let page = sheet(&[
            (
                "campaigns/c.yaml",
                "dialect: braze\nkind: transactional\nvariants:\n  - id: a\n    subject: Hi\n    body: \"{% if ${first_name} == blank %}{% abort_message('no name') %}{% endif %}<p>Dear {{${first_name} | escape}}</p>\"\n",
            ),
            (
                "sample-profiles/p.yaml",
                "- { id: nameless, last_name: Ng }\n- { id: ana, first_name: Ana }\n",
            ),
        ]);
        assert_eq!(page.matches(">aborted </a>").count(), 1, "{page}");
        assert_eq!(
            page.matches(
                "Not sent: the template cancels this send (aborted by abort_message: no name)"
            )
            .count(),
            1
        );
        assert!(page.contains(">receives "), "the sent cell: {page}");
    }
}
