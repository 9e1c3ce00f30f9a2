//! Properties that hold for any input: whatever the files hold, loading,
//! rendering, checking and reporting end, without a panic, and every load
//! error points inside the file it names; and `audit`, which shares one
//! check between customers of one shape, counts what auditing each customer
//! alone counts.
//!
//! The inputs are generated: templates from pieces of Handlebars and HTML
//! (mostly well formed, now and then broken), profiles of odd values, and
//! valid project files of every kind (campaign, body file, partial, config,
//! YAML, CSV and JSON Lines profiles, reviews) with random damage: stretches
//! cut, YAML and template syntax and control characters pasted in, lines
//! repeated, blocks nested 300 deep, runs of tokens. `cargo test`
//! tries a few dozen cases per property; a longer run tries more:
//!
//! ```sh
//! MERGEPROOF_PROPERTY_CASES=5000 cargo test --release -p mergeproof-core --test properties
//! ```
//!
//! Failing cases are not saved to the source tree: a failure prints the
//! smallest input proptest found, to be made a regression test by hand.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mergeproof_core::engine::{self, Options};
use mergeproof_core::project::{Project, load_project_from_memory};
use mergeproof_core::review::{self, Decisions, REVIEWS_FILE};
use mergeproof_core::template::html;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per property: a few dozen by default, `MERGEPROOF_PROPERTY_CASES`
/// for a longer run.
fn config() -> Config {
    let cases = std::env::var("MERGEPROOF_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// However odd the input, one case takes no longer than this (a debug build
/// on a loaded machine takes seconds at most; thousands of findings take
/// seconds unoptimized).
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// Pieces templates are made of: text, tokens, partial calls and HTML.
const PIECES: &[&str] = &[
    "Hi ",
    " ",
    "\n",
    ", ",
    " ;",
    "{{first_name}}",
    "{{{first_name}}}",
    "{{sku}}",
    "{{@index}}",
    "{{this}}",
    "{{../first_name}}",
    "{{balance}}",
    "{{> footer}}",
    "{{> footer first_name}}",
    "{{!-- note --}}",
    "{{!-- mergeproof-allow missing-fallback: ok --}}",
    "<a href=\"https://shop.example/o/{{order_id}}\">",
    "<a href=\"{{url}}\">",
    "<a href={{url}} title='{{first_name}}'>",
    "<td style=\"color:{{first_name}}\" {{{first_name}}}>",
    "<div style=\"{{sku}}\">",
    "<!-- {{first_name}} -->",
    "</a>",
    "<img src=\"https://img.example/{{sku}}.png\" alt=\"{{first_name}}\">",
    "<!--[if mso]>",
    "<![endif]-->",
    "<div style=\"display:none\">",
    "</div>",
    "<p>",
    "&amp; &nbsp; &#x1F600; &bogus;",
    "<script>document.title='x'</script>",
    "cheap",
    "Dear Mr.",
    "$",
    "\u{202E}",
    "é",
];

/// Pieces that break a template: blocks left open or closed twice, tags cut
/// short, partials that are not there.
const BROKEN: &[&str] = &[
    "{{#if first_name}}",
    "{{/if}}",
    "{{else}}",
    "{{/each}}",
    "{{",
    "}}",
    "{{#",
    "{{/",
    "{{ first_name ",
    "{{> missing}}",
];

/// Helpers some dialects have and others refuse (a load error there).
const HELPERS: &[&str] = &[
    "{{default first_name \"there\"}}",
    "{{currency account.balance}}",
    "{{formatDate joined \"YYYY\"}}",
    "{{insert first_name \"default=x\"}}",
    "{{lookup . \"first_name\"}}",
];

/// Blocks, opened and closed around what is inside them.
const BLOCKS: &[(&str, &str)] = &[
    ("{{#if first_name}}", "{{/if}}"),
    ("{{#if (gt points 0)}}", "{{/if}}"),
    ("{{#unless points}}", "{{/unless}}"),
    ("{{#each orders}}", "{{/each}}"),
    ("{{#with account}}", "{{/with}}"),
    ("{{#orders}}", "{{/orders}}"),
    ("{{^orders}}", "{{/orders}}"),
    ("{{#equals tier \"gold\"}}", "{{/equals}}"),
];

/// Templates: mostly well formed (nested blocks, some with `{{else}}`), so
/// that most get past loading and are rendered; now and then a broken piece
/// or a helper of one dialect only.
fn template() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        60 => prop::sample::select(PIECES).prop_map(str::to_string),
        2 => prop::sample::select(BROKEN).prop_map(str::to_string),
        1 => prop::sample::select(HELPERS).prop_map(str::to_string),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|p| p.concat()),
            (
                prop::sample::select(BLOCKS),
                inner.clone(),
                prop::option::of(inner)
            )
                .prop_map(|((open, close), body, otherwise)| match otherwise {
                    Some(o) => format!("{open}{body}{{{{else}}}}{o}{close}"),
                    None => format!("{open}{body}{close}"),
                }),
        ]
    })
}

/// Pieces of Liquid (and Braze's and Customer.io's) templates, broken ones
/// among them.
const LIQUID_PIECES: &[&str] = &[
    "Hi ",
    ", ",
    "<p>",
    "</p>",
    "<a href=\"https://x.example/?id={{ id }}\">",
    "{{ first_name }}",
    "{{ first_name | default: 'there' }}",
    "{{ points | plus: 1 | times: 2.5 }}",
    "{{ 10 | divided_by: points }}",
    "{{ a.b[0].c }}",
    "{{ list | join: ', ' | upcase }}",
    "{{ s | truncate: 5 | escape }}",
    "{{ d | date: '%Y' }}",
    "{{-",
    "-}}",
    "{{ ",
    " }}",
    "{% if first_name != blank %}",
    "{% if points > 0 and tier == 'gold' or x contains 'y' %}",
    "{% elsif x %}",
    "{% else %}",
    "{% endif %}",
    "{% unless x %}",
    "{% endunless %}",
    "{% for i in list limit: 2 reversed %}",
    "{{ i }}{{ forloop.index }}",
    "{% break %}",
    "{% endfor %}",
    "{% case tier %}{% when 'gold', 'silver' %}",
    "{% endcase %}",
    "{% assign x = first_name | capitalize %}",
    "{% capture c %}",
    "{% endcapture %}{{ c }}",
    "{% raw %}{{ x }}",
    "{% endraw %}",
    "{% comment %}",
    "{% endcomment %}",
    "{% # mergeproof-allow missing-fallback: known %}",
    "{% increment n %}",
    "{% cycle 'a', 'b' %}",
    "{% render 'missing' %}",
    "{{${first_name}}}",
    "{% abort_message('no') %}",
    "{{ customer.first_name }}",
    "{% unsubscribe_url %}",
    "{%",
    "%}",
    "}}",
];

/// Pieces of Mailchimp merge-tag templates, broken ones among them.
const MAILCHIMP_PIECES: &[&str] = &[
    "Dear ",
    "*|FNAME|*",
    "*|HTML:BIO|*",
    "*|UPPER:FNAME|*",
    "*|DATE:d/m/Y|*",
    "*|IF:FNAME|*",
    "*|IF:TIER=gold|*",
    "*|IF:POINTS>0|*",
    "*|IFNOT:FNAME|*",
    "*|ELSEIF:TIER!=silver|*",
    "*|ELSE:|*",
    "*|END:IF|*",
    "*|UNSUB|*",
    "*|LIST:COMPANY|*",
    "*|",
    "|*",
    "*|IF:|*",
    "*|what is this|*",
    "<a href=\"https://x.example/?n=*|FNAME|*\">",
    ", ",
];

/// Pieces of a Klaviyo (Django) template, whole and broken.
const KLAVIYO_PIECES: &[&str] = &[
    "Hi ",
    "{{ first_name }}",
    "{{ person.first_name|default:'there' }}",
    "{{ person|lookup:'Loyalty Points'|floatformat:2 }}",
    "{{ tags|join:', ' }}",
    "{{ bio|safe }}",
    "{{ tier|title|truncatechars:3 }}",
    "{{ points|add:5|pluralize:'y,ies' }}",
    "{% if first_name %}",
    "{% if points > 0 and not tier %}",
    "{% elif tier == 'gold' %}",
    "{% else %}",
    "{% endif %}",
    "{% for t in tags reversed %}",
    "{% for k, v in account.items %}",
    "{{ forloop.counter }}",
    "{% empty %}",
    "{% endfor %}",
    "{% with n=first_name|upper %}",
    "{% endwith %}",
    "{# mergeproof-allow missing-fallback: checked #}",
    "{% unsubscribe %}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{{ x|nosuch }}",
    "<a href=\"https://x.example/?n={{ first_name|urlencode }}\">",
    ", ",
    "\n",
];

/// A Liquid template: its pieces in any order and nesting, with stray
/// characters of its syntax between them.
fn liquid_template() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => prop::sample::select(LIQUID_PIECES).prop_map(str::to_string),
        1 => "[{}%|$ a.'\"\\[\\]():,<>=!-]{0,6}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

/// A value a profile field may hold: the empty and odd ones above all.
fn value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!("  ")),
        Just(json!("Loren")),
        Just(json!("Loren ")),
        Just(json!(", ")),
        Just(json!("null")),
        Just(json!("{{first_name}}")),
        Just(json!("\u{1b}[31m")),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        Just(json!(0)),
        Just(json!(-0.5)),
        "[a-zA-Z0-9 <>&\"'é]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(&["sku", "balance", "currency", "name"][..]),
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn profile() -> impl Strategy<Value = serde_json::Value> {
    const FIELDS: &[&str] = &[
        "first_name",
        "points",
        "orders",
        "account",
        "order_id",
        "url",
        "age",
        "gender",
        "tier",
        "joined",
    ];
    prop::collection::btree_map(prop::sample::select(FIELDS), value(), 0..8).prop_map(|m| {
        serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    })
}

/// A project whose campaign renders `body` and `subject` in `dialect` for
/// `profiles`.
fn project_files(
    dialect: &str,
    subject: &str,
    body: &str,
    profiles: &[serde_json::Value],
) -> BTreeMap<String, String> {
    let campaign = format!(
        "dialect: {dialect}\nvariants:\n  - id: gold\n    audience: {{ field: tier, eq: gold }}\n    subject: {}\n    body_file: templates/body.hbs\n  - id: everyone\n    subject: Hello\n    body: \"{{{{> footer}}}}\"\n",
        serde_json::to_string(subject).unwrap()
    );
    let mut files: BTreeMap<String, String> = [
        ("campaigns/c.yaml".to_string(), campaign),
        ("campaigns/templates/body.hbs".to_string(), body.to_string()),
        (
            "campaigns/partials/footer.hbs".to_string(),
            "Harbor & Pine {{first_name}}".to_string(),
        ),
    ]
    .into_iter()
    .collect();
    // JSON is YAML: each profile is written as it was generated.
    let list = serde_json::to_string(profiles).unwrap();
    files.insert("sample-profiles/list.yaml".into(), list);
    files
}

/// Runs the whole pipeline and checks what it reports.
fn check_project(files: &BTreeMap<String, String>) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let project = load_project_from_memory(files);
    errors_point_inside(&project, files)?;
    let run = engine::run(&project, &Options::default(), &Decisions::default());
    for format in mergeproof_core::report::Format::ALL {
        let report = mergeproof_core::report::render(&run, format, false);
        prop_assert!(report.is_ok(), "{format:?}: {:?}", report.err());
    }
    prop_assert!(
        started.elapsed() < CASE_LIMIT,
        "took {:?}",
        started.elapsed()
    );
    Ok(())
}

/// The counts of an audit that can differ between sharing and not: reach,
/// token counts and, per defect, its customers and example ids.
type AuditCounts = BTreeMap<String, (u64, Vec<String>)>;

fn audit_counts(audit: &mergeproof_core::audit::Audit, into: &mut AuditCounts) {
    for c in &audit.campaigns {
        for v in &c.variants {
            into.entry(format!("{} reach {}", c.id, v.id))
                .or_default()
                .0 += v.reach;
        }
        for t in &c.tokens {
            let at = format!("{} token {} {}:{}", c.id, t.variant, t.line, t.column);
            into.entry(format!("{at} fallback")).or_default().0 += t.fallback;
            into.entry(format!("{at} empty")).or_default().0 += t.empty;
        }
        for r in &c.rules {
            let key = format!("{} rule {} {:?} {:?}", c.id, r.rule, r.variant, r.field);
            let entry = into.entry(key).or_default();
            entry.0 += r.profiles;
            for id in &r.examples {
                if entry.1.len() < 5 {
                    entry.1.push(id.clone());
                }
            }
        }
    }
}

fn audit_matches_alone(
    files: &BTreeMap<String, String>,
    customers: &[serde_json::Value],
) -> Result<(), TestCaseError> {
    use mergeproof_core::project::records::{Entry, Record};
    use mergeproof_core::source::SourceLoc;
    let project = load_project_from_memory(files);
    let (compiled, _, _) = engine::compile_project(&project);
    let entry = |i: usize, c: &serde_json::Value| {
        Ok(Entry::Record(Record {
            id: format!("c{i}"),
            data: c.clone(),
            loc: SourceLoc::new("list.jsonl", i as u32 + 1, 1),
        }))
    };
    let mut all = customers.iter().enumerate().map(|(i, c)| entry(i, c));
    let shared = mergeproof_core::audit::audit(
        &compiled,
        &project.config,
        &project.profiles,
        &mut all,
        &|_| {},
    );
    let mut together = AuditCounts::new();
    audit_counts(&shared, &mut together);
    let mut alone = AuditCounts::new();
    for (i, c) in customers.iter().enumerate() {
        let mut one = std::iter::once(entry(i, c));
        let audit = mergeproof_core::audit::audit(
            &compiled,
            &project.config,
            &project.profiles,
            &mut one,
            &|_| {},
        );
        audit_counts(&audit, &mut alone);
    }
    // Keys whose count is zero alone may be missing from the whole audit.
    alone.retain(|_, (n, _)| *n > 0);
    together.retain(|_, (n, _)| *n > 0);
    prop_assert_eq!(together, alone);
    Ok(())
}

/// Every load error names a file of the project (or a folder of it) and a
/// line and column inside that file.
fn errors_point_inside(
    project: &Project,
    files: &BTreeMap<String, String>,
) -> Result<(), TestCaseError> {
    for e in &project.load_errors {
        prop_assert!(e.line >= 1 && e.column >= 1, "{e:?}");
        prop_assert!(!e.message.trim().is_empty(), "{e:?}");
        if let Some(text) = files.get(&e.file) {
            let lines = text.split('\n').count() as u32;
            prop_assert!(e.line <= lines + 1, "{e:?} beyond {lines} lines");
        } else {
            prop_assert!(
                files.keys().any(|f| f.starts_with(&e.file)),
                "{e:?} names a file that is not in the project"
            );
        }
    }
    Ok(())
}

/// Random damage to a text: a stretch cut, a piece pasted in, a line
/// repeated, or a character replaced, at a place given as a fraction.
#[derive(Clone, Debug)]
enum Damage {
    Cut(f64, usize),
    /// Everything from here on cut off.
    Truncate(f64),
    Paste(f64, &'static str),
    RepeatLine(f64),
    Replace(f64, char),
    /// Blocks nested this deep, past every limit.
    Nest(f64, usize),
    /// A run of this many tokens.
    Tokens(f64, usize),
}

/// Pieces pasted into a file: template, YAML and text syntax that parsers
/// and renderers treat specially.
const PASTE: &[&str] = &[
    "{{",
    "}}",
    "{{{",
    "}}}",
    "{{#if x}}",
    "{{/if}}",
    "{{#each .}}",
    "{{/each}}",
    "{{else}}",
    "{{> footer}}",
    "{{> nothere}}",
    "{{!--",
    "--}}",
    "{{{{raw}}}}",
    "\\{{",
    "{{this}}",
    "{{.}}",
    "{{lookup a b}}",
    "(gt a 0)",
    ":",
    ": ",
    "- ",
    "\n  - ",
    "\n",
    "\t",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "---\n",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "#",
    "%",
    "@",
    "`",
    "|",
    ">",
    "~",
    ".nan",
    "-.inf",
    "1e400",
    "99999999999999999999",
    "-0",
    "\u{0}",
    "\u{1b}[2J",
    "\u{202e}",
    "\u{feff}",
    "\u{fdd0}",
    "é",
    "👩🏽‍💻",
    "null",
    "id:",
    "variants:",
    "audience:",
    "body_file: ../x",
    "body_file: /etc/passwd",
    "field: age",
    "gt: 18",
    "in: [a, b]",
    ",",
    "\r\n",
];

fn damage() -> impl Strategy<Value = Damage> {
    let at = || 0.0..1.0f64;
    prop_oneof![
        3 => (at(), 1..40usize).prop_map(|(a, n)| Damage::Cut(a, n)),
        1 => at().prop_map(Damage::Truncate),
        6 => (at(), prop::sample::select(PASTE)).prop_map(|(a, p)| Damage::Paste(a, p)),
        2 => at().prop_map(Damage::RepeatLine),
        2 => (at(), any::<char>()).prop_map(|(a, c)| Damage::Replace(a, c)),
        1 => (at(), 1..300usize).prop_map(|(a, n)| Damage::Nest(a, n)),
        1 => (at(), 1..200usize).prop_map(|(a, n)| Damage::Tokens(a, n)),
    ]
}

fn char_at(text: &str, at: f64) -> usize {
    let count = text.chars().count();
    let n = ((count as f64) * at) as usize;
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

fn apply(text: &str, damage: &Damage) -> String {
    let mut out = text.to_string();
    match damage {
        Damage::Cut(at, n) => {
            let start = char_at(&out, *at);
            let end = out[start..]
                .char_indices()
                .nth(*n)
                .map_or(out.len(), |(i, _)| start + i);
            out.replace_range(start..end, "");
        }
        Damage::Truncate(at) => out.truncate(char_at(&out, *at)),
        Damage::Paste(at, piece) => out.insert_str(char_at(&out, *at), piece),
        Damage::Nest(at, depth) => {
            let nest = "{{#if a}}".repeat(*depth) + &"{{/if}}".repeat(*depth);
            out.insert_str(char_at(&out, *at), &nest);
        }
        Damage::Tokens(at, n) => out.insert_str(char_at(&out, *at), &"{{x}} ".repeat(*n)),
        Damage::RepeatLine(at) => {
            let start = char_at(&out, *at);
            let line_start = out[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = out[start..].find('\n').map_or(out.len(), |i| start + i + 1);
            let line = out[line_start..line_end].to_string();
            out.insert_str(line_start, &line);
        }
        Damage::Replace(at, c) => {
            let start = char_at(&out, *at);
            if let Some(old) = out[start..].chars().next() {
                out.replace_range(start..start + old.len_utf8(), &c.to_string());
            }
        }
    }
    out
}

/// A small valid project of every kind of file, to damage.
fn valid_files() -> BTreeMap<String, String> {
    [
        (
            "mergeproof.yaml",
            "personal_fields: [first_name, nickname]\nfields:\n  age: age\nsensitive_categories:\n  baby: { min_age: 18, requires: { field: household.has_infant, eq: true } }\nrules:\n  no-control: off\n  subject-truncation: { severity: info }\nprofile_columns:\n  id: Email Address\n  First Name: first_name\n",
        ),
        (
            "campaigns/sale.yaml",
            "id: sale\ndialect: sendgrid\ncategories: [baby]\nvariants:\n  - id: gold\n    audience: { all: [ { field: tier, eq: gold }, { field: age, gte: 18 } ] }\n    subject: \"{{first_name}}, cheap picks\"\n    preheader: \"{{insert nickname 'default=friend'}}\"\n    body_file: templates/gold.hbs\n    allow:\n      - rule: missing-fallback\n        reason: checked\n  - id: control\n    subject: Sale\n    body: \"Hi {{> footer}}\"\n",
        ),
        (
            "campaigns/templates/gold.hbs",
            "<p>Hi {{first_name}}, you have {{points}} points.</p>\n<a href=\"https://shop.example/{{order_id}}\">Track</a>\n{{#each orders}}{{sku}} {{/each}}{{> footer}}\n",
        ),
        ("campaigns/partials/footer.hbs", "Harbor & Pine, {{insert city \"default=Portland\"}}"),
        (
            "sample-profiles/list.yaml",
            "- id: ana\n  first_name: Ana\n  tier: gold\n  age: 30\n  points: 0\n  orders: [{sku: a1}]\n- id: ben\n  tier: gold\n  household: { has_infant: true }\n",
        ),
        (
            "sample-profiles/export.csv",
            "Email Address,First Name,tier,points\nc@example.com,Cy,gold,007\nd@example.com,,silver,\n",
        ),
        (
            "sample-profiles/events.jsonl",
            "{\"id\": \"eve\", \"first_name\": \"Eve\", \"tier\": \"gold\"}\n{\"id\": \"fay\", \"points\": -3}\n",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A kind of nesting, `depth` deep, as one template or one profile file.
#[derive(Clone, Debug)]
enum Nesting {
    Blocks,
    Subexpressions,
    ElseIfChain,
    HashArgument,
    PartialArgument,
    Json,
    DottedHeader,
}

/// Files with `kind` nested `depth` deep (and one good campaign beside it).
fn nested_files(kind: &Nesting, depth: usize) -> BTreeMap<String, String> {
    let mut expression = "first_name".to_string();
    for _ in 0..depth {
        expression = format!("(default {expression} 'x')");
    }
    let body = match kind {
        Nesting::Blocks => "{{#if first_name}}".repeat(depth) + "x" + &"{{/if}}".repeat(depth),
        Nesting::Subexpressions => format!("{{{{default {expression} 'y'}}}}"),
        Nesting::ElseIfChain => {
            "{{#if a}}a".to_string()
                + &(0..depth)
                    .map(|i| format!("{{{{else if b{i}}}}}b"))
                    .collect::<String>()
                + "{{/if}}"
        }
        Nesting::HashArgument => format!("{{{{default first_name x={expression}}}}}"),
        Nesting::PartialArgument => format!("{{{{> footer x={expression}}}}}"),
        Nesting::Json | Nesting::DottedHeader => "Hi {{default first_name 'there'}}".to_string(),
    };
    let mut files = project_files("mergeproof", "Hello", &body, &[]);
    files.insert(
        "campaigns/good.yaml".into(),
        "variants:\n  - id: a\n    subject: Hi\n    body: fine\n".into(),
    );
    match kind {
        Nesting::Json => {
            let value = "[".repeat(depth) + &"]".repeat(depth);
            files.insert(
                "sample-profiles/deep.json".into(),
                format!("{{\"id\": \"d\", \"x\": {value}}}"),
            );
        }
        Nesting::DottedHeader => {
            files.insert(
                "sample-profiles/deep.csv".into(),
                format!("id,{}\nd,1\n", vec!["a"; depth].join(".")),
            );
        }
        _ => {}
    }
    files
}

proptest! {
    #![proptest_config(config())]

    /// Nesting of every kind, at any depth: past the one limit it is a
    /// located load error, never a stack overflow (on a thread with the
    /// small stack of a worker thread), and the rest of the project is still
    /// checked; the time grows with the size, not faster.
    #[test]
    fn nesting_of_every_kind_is_a_located_error_past_the_limit(
        kind in prop::sample::select(vec![
            Nesting::Blocks, Nesting::Subexpressions, Nesting::ElseIfChain,
            Nesting::HashArgument, Nesting::PartialArgument, Nesting::Json,
            Nesting::DottedHeader,
        ]),
        depth in prop::sample::select(vec![1usize, 60, 127, 129, 300, 2000, 20_000]),
    ) {
        let files = nested_files(&kind, depth);
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let started = Instant::now();
                let project = load_project_from_memory(&files);
                let run = engine::run(&project, &Options::default(), &Decisions::default());
                let errors: Vec<String> = run.load_errors.iter().map(|e| e.to_string()).collect();
                let good = run.summary().campaigns;
                (errors, good, started.elapsed())
            })
            .unwrap()
            .join();
        prop_assert!(outcome.is_ok(), "{kind:?} {depth} deep panicked");
        let (errors, campaigns, took) = outcome.unwrap();
        prop_assert!(took < Duration::from_secs(20), "{kind:?} {depth}: {took:?}");
        let limit = mergeproof_core::limits::MAX_DEPTH;
        // An else-if chain nests one level a branch, and the block itself;
        // a JSON value sits inside its record's object.
        let nested = match kind {
            Nesting::ElseIfChain | Nesting::Json => depth + 1,
            _ => depth,
        };
        let deep: Vec<&String> = errors.iter().filter(|e| e.contains("deep")).collect();
        if nested > limit + 1 {
            prop_assert_eq!(deep.len(), 1, "{:?} {} deep: {:?}", kind, depth, errors);
            prop_assert!(deep[0].contains(":1:") || deep[0].contains(".yaml:") || deep[0].contains(".hbs:"), "{:?}", deep);
        } else if nested < limit {
            prop_assert!(deep.is_empty(), "{:?} {} deep: {:?}", kind, depth, errors);
        }
        // The good campaign is checked whatever else failed.
        prop_assert!(campaigns >= 1);
    }

    /// Any template, in any dialect, with any profiles: loaded, rendered,
    /// checked (edge cases too) and reported in every format.
    #[test]
    fn any_template_and_profiles_run_through(
        dialect in prop::sample::select(mergeproof_core::dialect::Dialect::names()),
        subject in template(),
        body in template(),
        profiles in prop::collection::vec(profile(), 0..4),
    ) {
        let mut profiles = profiles;
        for (i, p) in profiles.iter_mut().enumerate() {
            p["id"] = serde_json::json!(format!("p{i}"));
            p["tier"] = serde_json::json!(if i % 2 == 0 { "gold" } else { "silver" });
        }
        check_project(&project_files(dialect, &subject, &body, &profiles))?;
    }

    /// Any Liquid template, in each Liquid dialect, with any profiles:
    /// loaded (or refused with located errors), rendered, checked and
    /// reported, without a panic.
    #[test]
    fn any_liquid_template_runs_through(
        dialect in prop::sample::select(vec!["liquid", "braze", "customerio"]),
        subject in liquid_template(),
        body in liquid_template(),
        profiles in prop::collection::vec(profile(), 0..4),
    ) {
        let mut profiles = profiles;
        for (i, p) in profiles.iter_mut().enumerate() {
            p["id"] = serde_json::json!(format!("p{i}"));
            p["tier"] = serde_json::json!(if i % 2 == 0 { "gold" } else { "silver" });
        }
        check_project(&project_files(dialect, &subject, &body, &profiles))?;
    }

    /// Reading each HTML body from its skeleton finds what reading every
    /// body whole finds, byte for byte in lint's JSON: for any template of
    /// Handlebars or Liquid pieces, in any dialect of its language, with any
    /// profiles, edge cases included.
    #[test]
    fn reading_bodies_from_their_skeletons_finds_what_reading_them_whole_finds(
        (dialect, body) in prop_oneof![
            (prop::sample::select(vec!["mergeproof", "handlebars", "sendgrid", "iterable"]), template()),
            (prop::sample::select(vec!["liquid", "braze"]), liquid_template()),
        ],
        profiles in prop::collection::vec(profile(), 0..4),
    ) {
        let mut profiles = profiles;
        for (i, p) in profiles.iter_mut().enumerate() {
            p["id"] = serde_json::json!(format!("p{i}"));
            p["tier"] = serde_json::json!(if i % 2 == 0 { "gold" } else { "silver" });
        }
        let files = project_files(dialect, "Hi", &format!("<html><body>{body}</body></html>"), &profiles);
        let project = load_project_from_memory(&files);
        let json = |whole: bool| {
            let options = Options { read_bodies_whole: whole, ..Options::default() };
            let run = engine::run(&project, &options, &Decisions::default());
            mergeproof_core::report::render(&run, mergeproof_core::report::Format::Json, false)
                .unwrap_or_default()
        };
        prop_assert_eq!(json(true), json(false));
    }

    /// Any merge-tag template in the `mailchimp` dialect runs through.
    #[test]
    fn any_mailchimp_template_runs_through(
        subject in prop::collection::vec(prop::sample::select(MAILCHIMP_PIECES), 0..12).prop_map(|p| p.concat()),
        body in prop::collection::vec(prop::sample::select(MAILCHIMP_PIECES), 0..24).prop_map(|p| p.concat()),
        profiles in prop::collection::vec(profile(), 0..4),
    ) {
        let mut profiles = profiles;
        for (i, p) in profiles.iter_mut().enumerate() {
            p["id"] = serde_json::json!(format!("p{i}"));
            p["FNAME"] = p.get("first_name").cloned().unwrap_or(serde_json::Value::Null);
        }
        check_project(&project_files("mailchimp", &subject, &body, &profiles))?;
    }

    /// Any Django template in the `klaviyo` dialect runs through.
    #[test]
    fn any_klaviyo_template_runs_through(
        subject in prop::collection::vec(prop::sample::select(KLAVIYO_PIECES), 0..12).prop_map(|p| p.concat()),
        body in prop::collection::vec(prop::sample::select(KLAVIYO_PIECES), 0..24).prop_map(|p| p.concat()),
        profiles in prop::collection::vec(profile(), 0..4),
    ) {
        let mut profiles = profiles;
        for (i, p) in profiles.iter_mut().enumerate() {
            p["id"] = serde_json::json!(format!("p{i}"));
            p["tags"] = serde_json::json!(["a", i, null]);
        }
        check_project(&project_files("klaviyo", &subject, &body, &profiles))?;
    }

    /// Audit shares one check between customers of one shape; whatever the
    /// templates and records, its counts are those of auditing each
    /// customer alone.
    #[test]
    fn audit_counts_what_auditing_each_customer_alone_counts(
        dialect in prop::sample::select(mergeproof_core::dialect::Dialect::names()),
        subject in template(),
        body in template(),
        pool in prop::collection::vec(profile(), 1..4),
        picks in prop::collection::vec((0..4usize, prop::bool::ANY), 1..24),
    ) {
        // Customers drawn from a small pool, so that shapes repeat.
        let customers: Vec<serde_json::Value> = picks
            .iter()
            .map(|(i, gold)| {
                let mut c = pool[i % pool.len()].clone();
                c["tier"] = serde_json::json!(if *gold { "gold" } else { "silver" });
                c
            })
            .collect();
        let files = project_files(dialect, &subject, &body, &[]);
        audit_matches_alone(&files, &customers)?;
    }

    /// Each file of a valid project, damaged a few times: every error is
    /// located, and the rest of the project is still checked.
    #[test]
    fn damaged_project_files_are_located_errors(
        file in 0..7usize,
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut files = valid_files();
        let name = files.keys().nth(file).unwrap().clone();
        let mut text = files[&name].clone();
        for d in &damages {
            text = apply(&text, d);
        }
        files.insert(name, text);
        check_project(&files)?;
    }

    /// The HTML reader reads any text, and what it points at is inside the
    /// text it produced.
    #[test]
    fn the_html_reader_reads_anything(body in template(), noise in "[<>!/=\"a-z -]{0,40}") {
        let read = html::read(&format!("{body}{noise}"));
        for link in &read.links {
            prop_assert!(read.text.is_char_boundary(link.at.min(read.text.len())));
            prop_assert!(link.at <= read.text.len(), "{link:?}");
        }
        for image in &read.images {
            prop_assert!(image.at <= read.text.len(), "{image:?}");
        }
    }

    /// A damaged reviews file is a located load error, or the decisions it
    /// still holds.
    #[test]
    fn a_damaged_reviews_file_is_read_or_refused_with_a_place(
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut text = REVIEWS.to_string();
        for d in &damages {
            text = apply(&text, d);
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(REVIEWS_FILE), &text).unwrap();
        if let Err(e) = review::load(dir.path()) {
            prop_assert_eq!(&e.file, REVIEWS_FILE);
            prop_assert!(e.line >= 1 && e.column >= 1, "{:?}", e);
            prop_assert!(e.line as usize <= text.split('\n').count() + 1, "{:?}", e);
        }
    }
}

const REVIEWS: &str = "# decisions\nversion: 1\ndecisions:\n- rule: missing-fallback\n  campaign: sale\n  variant: gold\n  profile: ana\n  field: subject\n  fingerprint: 0123456789abcdef\n  decision: waived\n  reason: checked with the team\n  reviewer: qa\n  at: 2026-12-01T00:00:00Z\n- rule: no-control\n  campaign: sale\n  field: campaign\n  fingerprint: fedcba9876543210\n  decision: approved\n";

#[test]
fn damage_changes_the_text_where_it_says() {
    assert_eq!(apply("abcdef", &Damage::Cut(0.5, 2)), "abcf");
    assert_eq!(apply("ab", &Damage::Paste(0.5, ":")), "a:b");
    assert_eq!(apply("a\nb\n", &Damage::RepeatLine(0.9)), "a\nb\nb\n");
    assert_eq!(apply("ab", &Damage::Replace(0.0, 'x')), "xb");
    assert_eq!(apply("abc", &Damage::Truncate(0.4)), "a");
    assert_eq!(
        apply("ab", &Damage::Nest(0.5, 2)),
        "a{{#if a}}{{#if a}}{{/if}}{{/if}}b"
    );
    assert_eq!(apply("", &Damage::Tokens(0.0, 2)), "{{x}} {{x}} ");
}

/// The inputs the damage starts from are valid, so that damage is what the
/// loaders meet.
#[test]
fn the_undamaged_inputs_load_clean_and_render() {
    let project = load_project_from_memory(&valid_files());
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    assert_eq!(project.profiles.len(), 6);
    let run = engine::run(&project, &Options::default(), &Decisions::default());
    assert!(
        run.findings().count() > 0,
        "campaigns {} broken {:?}",
        run.campaigns.len(),
        run.broken_campaigns
            .iter()
            .map(|b| &b.errors)
            .collect::<Vec<_>>()
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(REVIEWS_FILE), REVIEWS).unwrap();
    assert_eq!(review::load(dir.path()).unwrap().len(), 2);
    let files = project_files(
        "handlebars",
        "Hi {{first_name}}",
        "{{> footer}}",
        &[serde_json::json!({"id": "a", "tier": "gold"})],
    );
    let project = load_project_from_memory(&files);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    assert_eq!(project.profiles.len(), 1);
}
