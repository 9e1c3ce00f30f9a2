//! Every check is linear in the length of a value: one long first name made
//! of what the checks look for (template openings, unsafe terms, other
//! tools' merge tags) costs, at four times the length, about four times the
//! time, in every Handlebars dialect. Quadratic checks took 35 to 90 seconds
//! on a 200 KB name; a quadratic step shows here as a ratio near 16.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mergeproof_core::engine::{self, Options};
use mergeproof_core::project::load_project_from_memory;
use mergeproof_core::review::Decisions;

/// What a long value repeats.
const PATTERNS: &[&str] = &[
    "{{",
    "cheap Ann ",
    "*|",
    "%%{",
    "{FNAME ",
    "<%",
    "}}",
    " ,",
    "{a",
];

fn project(dialect: &str, name: &str) -> BTreeMap<String, String> {
    let body = if dialect == "postmark" {
        "<p>Hi {{first_name}}, cheap picks for you.</p><p>{{first_name}}</p>"
    } else {
        "<p>Hi {{first_name}}, cheap picks for you.</p><p><a href=\"https://x.example/{{first_name}}\">{{first_name}}</a></p>"
    };
    let profile = serde_json::json!({ "id": "p", "first_name": name });
    [
        ("mergeproof.yaml".to_string(), format!("dialect: {dialect}\n")),
        (
            "campaigns/c.yaml".to_string(),
            format!(
                "kind: transactional\nvariants:\n  - id: v\n    subject: \"Hi {{{{first_name}}}}, cheap picks\"\n    body: '{body}'\n"
            ),
        ),
        ("sample-profiles/p.json".to_string(), profile.to_string()),
    ]
    .into_iter()
    .collect()
}

/// The fastest of three runs of lint's pipeline on one profile.
fn time(dialect: &str, pattern: &str, len: usize) -> Duration {
    let name: String = pattern.repeat(len / pattern.len() + 1)[..len].to_string();
    let project = load_project_from_memory(&project(dialect, &name));
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let run = engine::run(
                &project,
                &Options {
                    edge_cases: false,
                    ..Default::default()
                },
                &Decisions::default(),
            );
            std::hint::black_box(run.findings().count());
            started.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn checks_are_linear_in_the_length_of_a_value() {
    let mut slowest = (0.0, "", "");
    for dialect in mergeproof_core::dialect::Dialect::ALL.map(|d| d.name()) {
        for pattern in PATTERNS {
            // A shared machine can stall one measurement; a quadratic check
            // grows 16x every time, so three tries tell the two apart.
            let mut tries = Vec::new();
            for _ in 0..3 {
                let short = time(dialect, pattern, 8_000);
                let long = time(dialect, pattern, 32_000);
                // Below a millisecond the ratio is noise.
                let ratio = long.as_secs_f64() / short.as_secs_f64().max(0.001);
                tries.push((ratio, short, long));
                if ratio < 9.0 {
                    break;
                }
            }
            let &(ratio, short, long) = tries.last().unwrap();
            if ratio > slowest.0 {
                slowest = (ratio, dialect, pattern);
            }
            assert!(
                ratio < 9.0 && long < Duration::from_secs(20),
                "{dialect}, a name of {pattern:?}: 8 KB {short:?}, 32 KB {long:?} ({ratio:.1}x); tries: {tries:?}"
            );
        }
    }
    eprintln!(
        "slowest growth: {:.1}x ({}, {:?})",
        slowest.0, slowest.1, slowest.2
    );
}

/// The fastest of three runs on one profile whose body prints each of
/// `count` items three times: in a link, a quoted attribute and text.
fn time_outputs(count: usize) -> Duration {
    let body = "<p>Hi</p>{{#each items}}<a href=\"https://x.example/{{this}}\" title=\"{{this}}\">{{this}}</a>{{/each}}";
    let items: Vec<String> = (0..count).map(|i| format!("item{i}")).collect();
    let profile = serde_json::json!({ "id": "p", "items": items });
    let files: BTreeMap<String, String> = [
        (
            "campaigns/c.yaml".to_string(),
            format!(
                "kind: transactional\nvariants:\n  - id: v\n    subject: Hi\n    body: '{body}'\n"
            ),
        ),
        ("sample-profiles/p.json".to_string(), profile.to_string()),
    ]
    .into_iter()
    .collect();
    let project = load_project_from_memory(&files);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    let options = Options {
        edge_cases: false,
        ..Default::default()
    };
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let run = engine::run(&project, &options, &Decisions::default());
            std::hint::black_box(run.findings().count());
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// Reading a body is linear in the outputs it prints: its skeleton's
/// places, and the links and images moved by their texts, are found in one
/// pass each, not one search per output.
#[test]
fn reading_a_body_is_linear_in_its_outputs() {
    let (short, long) = (time_outputs(2_000), time_outputs(8_000));
    let ratio = long.as_secs_f64() / short.as_secs_f64().max(0.001);
    assert!(
        ratio < 9.0,
        "2,000 items {short:?}, 8,000 items {long:?} ({ratio:.1}x)"
    );
}
