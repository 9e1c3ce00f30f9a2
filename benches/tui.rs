//! TUI performance, against ratatui's TestBackend at 160 × 48:
//!
//! - the first frame on the shipped examples (load, check, first draw):
//!   target under 200 ms;
//! - a key press handled and redrawn with 10,000 profiles loaded: target
//!   within one 60 Hz frame, 16 ms.
//!
//! Run with `cargo bench --bench tui`. It prints medians; it is a benchmark,
//! not a test, and fails nothing.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use mergeproof::tui::{self, Action, App};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
const PROFILES: usize = 10_000;

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal")
}

/// Load + check + first draw, as `mergeproof` does before its first full frame.
fn first_frame(path: &Path) -> (Duration, Duration) {
    let start = Instant::now();
    let loaded = tui::load(path);
    let mut app = App::loaded("bench", loaded, Rect::new(0, 0, WIDTH, HEIGHT));
    let loaded_at = start.elapsed();
    let mut terminal = terminal();
    terminal.draw(|f| tui::draw(f, &mut app)).expect("a frame");
    (loaded_at, start.elapsed())
}

/// A project with one campaign of four variants and `count` profiles, a few
/// percent of them without a first name (so there are flags to follow).
fn generated_project(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    std::fs::create_dir_all(root.join("campaigns")).expect("campaigns/");
    std::fs::create_dir_all(root.join("sample-profiles")).expect("sample-profiles/");
    std::fs::write(
        root.join("campaigns/big.yaml"),
        r#"id: big
control: everyone
variants:
  - id: platinum
    audience: { field: loyalty.tier, eq: platinum }
    subject: "{{first_name}}, your platinum preview of the spring collection"
    preheader: 'Early access for {{default first_name "members"}}'
    body: |
      <p>Hi {{first_name}},</p>
      <p>You have {{loyalty.points}} points. {{#if city}}See what is new in {{city}}.{{/if}}</p>
      <ul>{{#each interests}}<li>{{this}}</li>{{/each}}</ul>
  - id: gold
    audience: { field: loyalty.tier, eq: gold }
    subject: "{{first_name}}, your gold picks"
    body: "<p>Hi {{first_name}}, your gold picks are in.</p>"
  - id: silver
    audience: { field: loyalty.tier, eq: silver }
    subject: 'Silver savings for {{default first_name "you"}}'
    body: '<p>Hello {{default first_name "there"}}, silver savings inside.</p>'
  - id: everyone
    subject: "Spring is here"
    body: "<p>Hello, spring is here.</p>"
"#,
    )
    .expect("the campaign");
    let tiers = ["platinum", "gold", "silver", "bronze"];
    let mut yaml = String::with_capacity(count * 160);
    for i in 0..count {
        let _ = writeln!(yaml, "- id: customer-{i:05}");
        if i % 37 != 0 {
            let _ = writeln!(yaml, "  first_name: Name{i}");
        }
        let _ = writeln!(
            yaml,
            "  loyalty: {{ tier: {}, points: {} }}\n  city: City{}\n  interests: [linen, garden]",
            tiers[i % tiers.len()],
            i * 7 % 5000,
            i % 50
        );
    }
    std::fs::write(root.join("sample-profiles/customers.yaml"), yaml).expect("the profiles");
    dir
}

fn main() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Warm the file cache and the thread pool once.
    let _ = first_frame(examples);
    let mut loads = Vec::new();
    let mut frames = Vec::new();
    for _ in 0..15 {
        let (load, frame) = first_frame(examples);
        loads.push(load);
        frames.push(frame);
    }
    println!(
        "first frame on the shipped examples: median {} (load and check {}); target < 200 ms",
        ms(median(&mut frames)),
        ms(median(&mut loads))
    );

    let project = generated_project(PROFILES);
    let start = Instant::now();
    let loaded = tui::load(project.path());
    let load_time = start.elapsed();
    assert!(
        loaded.run.load_errors.is_empty(),
        "the generated project must load: {:?}",
        loaded.run.load_errors
    );
    let mut app = App::loaded("bench", loaded, Rect::new(0, 0, WIDTH, HEIGHT));
    let mut terminal = terminal();
    let start = Instant::now();
    terminal.draw(|f| tui::draw(f, &mut app)).expect("a frame");
    let draw_time = start.elapsed();
    let profiles = app.checked().map_or(0, |c| c.run.profiles.len());
    let findings = app.checked().map_or(0, |c| c.run.findings.len());
    println!(
        "{profiles} profiles, {findings} findings: load and check {}, first draw {}",
        ms(load_time),
        ms(draw_time)
    );

    app.handle(Action::Open);
    let script: Vec<(&str, Action)> = vec![
        ("down", Action::Down),
        ("down", Action::Down),
        ("right", Action::Right),
        ("page down", Action::PageDown),
        ("next flag", Action::NextFlag),
        ("next flag", Action::NextFlag),
        ("left", Action::Left),
        ("previous flag", Action::PreviousFlag),
        ("flagged only", Action::ToggleFlaggedOnly),
        ("down", Action::Down),
        ("flagged only", Action::ToggleFlaggedOnly),
        ("edge cases", Action::ToggleEdgeCases),
        ("edge cases", Action::ToggleEdgeCases),
        ("client", Action::CycleClient),
        ("end", Action::End),
        ("up", Action::Up),
        ("home", Action::Home),
        ("tab", Action::NextPane),
        ("scroll", Action::Down),
        ("tab", Action::PreviousPane),
    ];
    let rounds = 50;
    let mut all = Vec::new();
    let mut by_key: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    for _ in 0..rounds {
        for (name, action) in &script {
            let start = Instant::now();
            app.handle(action.clone());
            terminal.draw(|f| tui::draw(f, &mut app)).expect("a frame");
            let took = start.elapsed();
            all.push(took);
            by_key.entry(name).or_default().push(took);
        }
    }
    println!(
        "key press handled and redrawn ({} presses): median {}, p95 {}, max {}; target < 16 ms",
        all.len(),
        ms(median(&mut all)),
        ms(percentile(&mut all, 0.95)),
        ms(percentile(&mut all, 1.0))
    );
    for (name, samples) in &mut by_key {
        println!("  {name:<14} median {}", ms(median(samples)));
    }
}
