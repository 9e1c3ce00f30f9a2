//! The render floor for `bench/run.sh`: the handlebars crate rendering the
//! cells `mergeproof lint --no-edge-cases` renders, and nothing else.
//!
//!     cargo run --release --example render-floor -- PROJECT_DIR [--edge-cases] [--read-html]
//!
//! It loads the project with mergeproof's own loader and picks each profile's
//! variant with its own selection (so both programs pay the same for YAML),
//! registers every subject, preheader, body and partial once in one
//! handlebars registry, and renders, on every core, each sample profile
//! with the variant it receives. The helpers the benchmark's templates call
//! (`default`, `currency`, `title`, `upper`, `lower`; the comparisons are
//! the crate's own) are small functions here, as a team would write them.
//! No markers, no spans, no HTML reading, no checks, no report: what is
//! left is the least any tool rendering these cells must do.
//!
//! With `--edge-cases`, each campaign's cells also hold the edge-case
//! profiles mergeproof synthesizes for it (made with its synthesizer, which
//! this program pays for too): the cells `mergeproof lint` renders.
//!
//! With `--profiles FILE.jsonl`, the profiles are an export's customers
//! instead of the project's samples, one JSON object a line (what `mergeproof
//! audit --profiles` reads), parsed and rendered a batch at a time so that
//! a million of them fit in memory: the floor of `audit` on the same rows.
//! With `--profiles FILE.csv`, a CSV export read with mergeproof's own
//! reader (the csv crate, dotted headers nesting), as `audit` reads it, on
//! a thread of its own while the batch before is rendered.
//!
//! With `--read-html`, every rendered body also goes through html5gum, the
//! HTML5 tokenizer mergeproof reads bodies with, and nothing is made of its
//! tokens: how much of lint's time reading HTML as a client does takes, at
//! the least. It is a measurement beside the floor, not the floor.

use std::sync::Arc;

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, Output, RenderContext,
    Template, no_escape,
};
use mergeproof_core::project::ProfileRef;
use rayon::prelude::*;
use serde_json::Value;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn is_blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(v) => v.render(),
    }
}

/// What a helper prints, from its arguments.
type PlainFn = fn(&[&Value]) -> String;

/// A helper that prints what a plain function makes of its arguments.
struct Plain(PlainFn);

impl HelperDef for Plain {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let params: Vec<&Value> = h.params().iter().map(|p| p.value()).collect();
        out.write(&(self.0)(&params))?;
        Ok(())
    }
}

/// The first argument that is not blank, else the last.
fn default(params: &[&Value]) -> String {
    let (last, rest) = match params.split_last() {
        Some(split) => split,
        None => return String::new(),
    };
    text(Some(
        rest.iter().find(|p| !is_blank(Some(p))).unwrap_or(last),
    ))
}

/// `-$1,234.50`: an amount in a currency (USD when none is given).
fn currency(params: &[&Value]) -> String {
    let amount = params.first().copied();
    if is_blank(amount) {
        return String::new();
    }
    let Some(n) = amount.and_then(|a| a.as_f64().or_else(|| a.as_str()?.trim().parse().ok()))
    else {
        return text(amount);
    };
    let code = params
        .get(1)
        .and_then(|p| p.as_str())
        .map_or("USD".to_string(), |c| c.trim().to_uppercase());
    let symbol = match code.as_str() {
        "USD" => "$".to_string(),
        "EUR" => "€".to_string(),
        "GBP" => "£".to_string(),
        "CAD" => "CA$".to_string(),
        other => format!("{other} "),
    };
    let fixed = format!("{:.2}", n.abs());
    let (whole, cents) = fixed.split_at(fixed.len() - 3);
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if n < 0.0 { "-" } else { "" };
    format!("{sign}{symbol}{grouped}{cents}")
}

/// Each word's first letter upper case, the rest lower case.
fn title(params: &[&Value]) -> String {
    let mut word_start = true;
    text(params.first().copied())
        .to_lowercase()
        .chars()
        .map(|c| {
            let shown = if word_start {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            };
            word_start = c.is_whitespace() || c == '-' || c == '\'';
            shown
        })
        .collect()
}

fn upper(params: &[&Value]) -> String {
    text(params.first().copied()).to_uppercase()
}

fn lower(params: &[&Value]) -> String {
    text(params.first().copied()).to_lowercase()
}

/// Runs html5gum over rendered HTML and keeps nothing: what reading HTML as
/// a mail client does costs before anything is made of it. The tokenizer
/// runs as mergeproof's reading runs it (no parse errors asked for, style
/// and script read as raw text).
fn tokenize(html: &str) {
    mergeproof_core::template::html::tokenize(html, |_| {});
}

/// A registry with the helpers, set to escape (bodies) or not (subjects).
fn registry(escape: bool) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    if !escape {
        hb.register_escape_fn(no_escape);
    }
    let helpers: [(&str, PlainFn); 5] = [
        ("default", default),
        ("currency", currency),
        ("title", title),
        ("upper", upper),
        ("lower", lower),
    ];
    for (name, helper) in helpers {
        hb.register_helper(name, Box::new(Plain(helper)));
    }
    hb
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let edge_cases = args.iter().any(|a| a == "--edge-cases");
    let read_html = args.iter().any(|a| a == "--read-html");
    let export = args
        .iter()
        .position(|a| a == "--profiles")
        .and_then(|i| args.get(i + 1));
    let Some(root) = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--profiles"))
        .map(|(_, a)| a)
    else {
        eprintln!(
            "usage: render-floor PROJECT_DIR [--edge-cases] [--read-html] [--profiles FILE.jsonl|FILE.csv]"
        );
        std::process::exit(2);
    };
    let project = mergeproof_core::project::load_project(std::path::Path::new(&root));
    if !project.load_errors.is_empty() {
        eprintln!("render-floor: the project has load errors");
        std::process::exit(2);
    }
    let mut text_registry = registry(false);
    let mut html_registry = registry(true);
    for (name, partial) in &project.partials {
        for hb in [&mut text_registry, &mut html_registry] {
            if let Err(e) = hb.register_partial(name, &partial.source.text) {
                eprintln!("render-floor: partial {name}: {e}");
                std::process::exit(2);
            }
        }
    }
    // Every template is compiled on every core, then registered: compiling
    // is a third of the floor's work, and a floor that left a core idle
    // for it would not be the least a tool must do.
    let sources: Vec<(bool, String, &str)> = project
        .campaigns
        .iter()
        .flat_map(|campaign| {
            campaign.variants.iter().flat_map(move |variant| {
                let key = move |field: &str| format!("{}/{}/{field}", campaign.id, variant.id);
                [
                    (false, "subject", variant.subject.as_ref()),
                    (false, "preheader", variant.preheader.as_ref()),
                    (true, "body", Some(&variant.body)),
                ]
                .into_iter()
                .filter_map(move |(html, field, source)| {
                    Some((html, key(field), source?.text.as_str()))
                })
            })
        })
        .collect();
    let compiled: Vec<(bool, String, Template)> = sources
        .into_par_iter()
        .map(|(html, name, source)| match Template::compile(source) {
            Ok(template) => (html, name, template),
            Err(e) => {
                eprintln!("render-floor: {name}: {e}");
                std::process::exit(2);
            }
        })
        .collect();
    for (html, name, template) in compiled {
        let hb = if html {
            &mut html_registry
        } else {
            &mut text_registry
        };
        hb.register_template(&name, template);
    }
    let render_cell = |key: &str, context: &Context| {
        let mut total = 0;
        for (hb, field) in [
            (&text_registry, "subject"),
            (&text_registry, "preheader"),
            (&html_registry, "body"),
        ] {
            let name = format!("{key}/{field}");
            if hb.has_template(&name) {
                let out = hb.render_with_context(&name, context).unwrap_or_default();
                if read_html && field == "body" {
                    tokenize(&out);
                }
                total += out.len();
            }
        }
        total
    };
    if let Some(export) = export {
        let (cells, bytes) = if export.to_ascii_lowercase().ends_with(".csv") {
            render_csv_export(&project, export, &render_cell)
        } else {
            render_export(&project, export, &render_cell)
        };
        println!("{cells} cells rendered, {bytes} bytes");
        return;
    }
    // One context per sample profile, shared by every campaign it is
    // rendered for; edge profiles belong to one campaign each.
    let contexts: Vec<Arc<Context>> = project
        .profiles
        .par_iter()
        .map(|p| Arc::new(Context::from(p.data.clone())))
        .collect();
    let edge_profiles: Vec<Vec<(ProfileRef, Arc<Context>)>> = if edge_cases {
        let (compiled, _, _) = mergeproof_core::engine::compile_project(&project);
        compiled
            .par_iter()
            .map(|c| {
                mergeproof_core::edge::synthesize(c, &project.profiles, &project.config)
                    .profiles
                    .into_iter()
                    .map(|p| {
                        let context = Arc::new(Context::from(p.data.clone()));
                        (p, context)
                    })
                    .collect()
            })
            .collect()
    } else {
        vec![Vec::new(); project.campaigns.len()]
    };
    let cells: Vec<(String, &Arc<Context>)> = project
        .campaigns
        .iter()
        .zip(&edge_profiles)
        .flat_map(|(c, edges)| {
            let samples = project.profiles.iter().zip(&contexts);
            let edges = edges.iter().map(|(p, context)| (p, context));
            samples.chain(edges).filter_map(|(p, context)| {
                let vi = mergeproof_core::select::select(c, p)?;
                Some((format!("{}/{}", c.id, c.variants[vi].id), context))
            })
        })
        .collect();
    let bytes: usize = cells
        .par_iter()
        .map(|(key, context)| render_cell(key, context))
        .sum();
    println!("{} cells rendered, {bytes} bytes", cells.len());
}

/// Customers of an export rendered at a time: a million never in memory.
const EXPORT_BATCH: usize = 20_000;

fn open_export(path: &str) -> std::fs::File {
    std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("render-floor: {path}: {e}");
        std::process::exit(2);
    })
}

/// The cells of one customer: each campaign's variant for them rendered
/// from `data`, as (cells, bytes).
fn render_customer(
    project: &mergeproof_core::project::Project,
    id: String,
    data: Value,
    file: &str,
    render_cell: &(dyn Fn(&str, &Context) -> usize + Sync),
) -> (usize, usize) {
    let profile = mergeproof_core::project::Profile::from_data(
        id,
        data,
        mergeproof_core::finding::ProfileKind::Sample,
        mergeproof_core::source::SourceLoc::new(file, 1, 1),
    );
    let context = Context::from(profile.data.clone());
    let mut done = (0, 0);
    for c in &project.campaigns {
        if let Some(vi) = mergeproof_core::select::select(c, &profile) {
            done.0 += 1;
            done.1 += render_cell(&format!("{}/{}", c.id, c.variants[vi].id), &context);
        }
    }
    done
}

/// Renders every customer of a CSV export, read as `audit` reads it (on a
/// thread of its own, a batch at a time), with the variant each receives
/// in every campaign: (cells, bytes).
fn render_csv_export(
    project: &mergeproof_core::project::Project,
    path: &str,
    render_cell: &(dyn Fn(&str, &Context) -> usize + Sync),
) -> (usize, usize) {
    use mergeproof_core::project::records::{Entry, RecordFormat, read_entries};
    let file = open_export(path);
    let columns = project.config.profile_columns.clone();
    let reader_columns = columns.clone();
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Entry>>(4);
    let file_name = path.to_string();
    let reader = std::thread::spawn(move || {
        let input = std::io::BufReader::with_capacity(1 << 20, file);
        let mut batch = Vec::with_capacity(EXPORT_BATCH);
        read_entries(
            input,
            RecordFormat::Csv,
            &file_name,
            &reader_columns,
            &mut |entry| {
                if let Ok(entry) = entry {
                    batch.push(entry);
                }
                if batch.len() == EXPORT_BATCH {
                    let _ = sender.send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(EXPORT_BATCH),
                    ));
                }
            },
        );
        let _ = sender.send(batch);
    });
    let (mut cells, mut bytes) = (0, 0);
    for batch in receiver {
        let (c, b) = batch
            .into_par_iter()
            .map(|entry| {
                // A CSV row is always a record.
                let Ok(record) = entry.into_record(&columns) else {
                    return (0, 0);
                };
                render_customer(project, record.id, record.data, path, render_cell)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        cells += c;
        bytes += b;
    }
    let _ = reader.join();
    (cells, bytes)
}

/// Renders every customer of a JSON Lines export with the variant each
/// receives in every campaign, a batch at a time: (cells, bytes).
fn render_export(
    project: &mergeproof_core::project::Project,
    path: &str,
    render_cell: &(dyn Fn(&str, &Context) -> usize + Sync),
) -> (usize, usize) {
    use std::io::BufRead;
    let file = open_export(path);
    let mut lines = std::io::BufReader::new(file).lines();
    let (mut cells, mut bytes) = (0, 0);
    loop {
        let batch: Vec<String> = lines
            .by_ref()
            .take(EXPORT_BATCH)
            .map_while(Result::ok)
            .collect();
        if batch.is_empty() {
            return (cells, bytes);
        }
        let (c, b) = batch
            .par_iter()
            .enumerate()
            .map(|(i, line)| {
                let Ok(data) = serde_json::from_str::<Value>(line) else {
                    return (0, 0);
                };
                render_customer(project, format!("row{i}"), data, path, render_cell)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        cells += c;
        bytes += b;
    }
}
