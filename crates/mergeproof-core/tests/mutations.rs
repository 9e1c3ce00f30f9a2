//! Bounded property test over the loaders and the template pipeline: valid
//! project files, mutated at random (cut, spliced with template and YAML
//! syntax, control characters, deep nesting, huge and odd numbers), are
//! loaded and checked from memory. Whatever the input, loading and running
//! must return (findings or load errors): no panic, no hang, no overflow.
//!
//! `MERGEPROOF_MUTATIONS=N` sets the number of cases (default 200, run by
//! `cargo test`); the README gives the longer run. `MERGEPROOF_SHOW_CASE=K`
//! writes case K's mutated file to the temporary folder, to look at it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mergeproof_core::engine::{self, Options};
use mergeproof_core::project::load_project_from_memory;
use mergeproof_core::review::Decisions;

const CAMPAIGN: &str = "id: sale\ncategories: [apparel, alcohol]\ncontrol: plain\nvariants:\n  - id: gold\n    audience:\n      all:\n        - { field: loyalty.tier, in: [gold, platinum] }\n        - { field: age, gte: 21 }\n    subject: \"{{first_name}}, cheap picks: {{currency account.balance}}\"\n    preheader: \"{{#if loyalty.points}}{{loyalty.points}} points{{/if}}\"\n    body: |\n      {{> header}}\n      <p>Hi {{default first_name \"there\"}}, {{#each orders}}{{this.id}} {{/each}}</p>\n      {{#with account}}{{{balance}}}{{/with}} {{date renewal}}\n    allow:\n      - { rule: subject-truncation, reason: short sale }\n  - id: plain\n    subject: Sale\n    body: Hello\n";
const PARTIAL: &str = "<h1>{{upper brand}}</h1>{{#unless first_name}}Hi{{/unless}}";
const PROFILES: &str = "- id: ana\n  first_name: Ana\n  age: 34\n  loyalty: { tier: gold, points: 0 }\n  account: { balance: -3.5 }\n  orders: [{ id: 7 }]\n- first_name: \"<b>O'Brien</b>\"\n  age: 17\n";
const CONFIG: &str = "personal_fields: [first_name]\nextend_unsafe_terms: [clearance]\nsensitive_categories:\n  alcohol: { min_age: 21 }\nclients:\n  iphone-mail: 41\nrules:\n  no-control: { severity: info }\nedge_cases: { max_per_campaign: 40 }\n";

/// Pieces spliced into a file: template, YAML and text syntax that parsers
/// and renderers treat specially.
const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{{",
    "}}}",
    "{{#if x}}",
    "{{/if}}",
    "{{#each .}}",
    "{{/each}}",
    "{{else}}",
    "{{> header}}",
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
    "~",
    "id:",
    "variants:",
    "audience:",
    "body_file: ../x",
    "body_file: /etc/passwd",
    "field: age",
    "gt: 18",
    "in: [a, b]",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: small, seeded, the same cases on every machine.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut out = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let at = boundary(&out, rng.below(out.len() + 1));
        match rng.below(6) {
            0 => out.truncate(at),
            1 => {
                let end = boundary(&out, at + rng.below(40));
                out.replace_range(at..end, "");
            }
            2 => {
                // Deep nesting, past every limit.
                let depth = 1 + rng.below(300);
                let nest = "{{#if a}}".repeat(depth) + &"{{/if}}".repeat(depth);
                out.insert_str(at, &nest);
            }
            3 => {
                let repeat = "{{x}} ".repeat(1 + rng.below(200));
                out.insert_str(at, &repeat);
            }
            _ => out.insert_str(at, PIECES[rng.below(PIECES.len())]),
        }
    }
    out
}

fn files() -> BTreeMap<String, String> {
    [
        ("campaigns/sale.yaml", CAMPAIGN),
        ("campaigns/partials/header.hbs", PARTIAL),
        ("sample-profiles/people.yaml", PROFILES),
        ("mergeproof.yaml", CONFIG),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn mutated_projects_load_and_run_without_panicking() {
    let cases: usize = std::env::var("MERGEPROOF_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let names: Vec<String> = files().keys().cloned().collect();
    let mut slowest = (Duration::ZERO, 0, String::new());
    for case in 0..cases {
        let mut project_files = files();
        let name = &names[rng.below(names.len())];
        let mutated = mutate(&project_files[name], &mut rng);
        project_files.insert(name.clone(), mutated);
        let started = Instant::now();
        let project = load_project_from_memory(&project_files);
        let run = engine::run(&project, &Options::default(), &Decisions::default());
        // Every report is made too: they read every finding's text.
        for format in mergeproof_core::report::Format::ALL {
            let _ = mergeproof_core::report::render(&run, format, false);
        }
        let took = started.elapsed();
        if std::env::var("MERGEPROOF_SHOW_CASE").is_ok_and(|c| c == case.to_string()) {
            let kept = std::env::temp_dir().join("mergeproof-mutation-case.txt");
            std::fs::write(&kept, &project_files[name]).unwrap();
            eprintln!("case {case} written to {}", kept.display());
        }
        if took > slowest.0 {
            slowest = (took, case, name.clone());
        }
        assert!(
            // A hang, not a slow debug build: thousands of findings take
            // seconds unoptimized.
            took < Duration::from_secs(60),
            "case {case} ({name}) took {took:?}:\n{}",
            project_files[name]
        );
    }
    eprintln!(
        "{cases} mutated projects, slowest {:?} (case {}, {})",
        slowest.0, slowest.1, slowest.2
    );
}

#[test]
fn mutated_reviews_files_load_or_say_why() {
    let cases: usize = std::env::var("MERGEPROOF_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let valid = "version: 1\ndecisions:\n  - rule: missing-fallback\n    campaign: sale\n    variant: gold\n    profile: ana\n    field: subject\n    fingerprint: 0123456789abcdef\n    decision: waived\n    reason: names arrive later\n    reviewer: Ana\n    at: 2026-12-01T10:00:00Z\n";
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..cases {
        let text = mutate(valid, &mut rng);
        std::fs::write(dir.path().join("mergeproof-reviews.yaml"), &text).unwrap();
        match mergeproof_core::review::load(dir.path()) {
            Ok(_) => {}
            Err(e) => assert!(e.line >= 1 && e.column >= 1, "{e:?} for:\n{text}"),
        }
    }
}
