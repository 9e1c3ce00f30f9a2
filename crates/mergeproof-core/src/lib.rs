//! mergeproof's engine: proofs every personalized variant of a campaign
//! against every customer profile before it is sent.
//!
//! Data flows one way: [`project`] (load) → [`template`] (analyse) → [`edge`]
//! (synthesize) → [`select`] → render → [`rules`] (check) → [`review`] → [`report`].
//! [`engine`] runs the pipeline for `lint` and the TUI alike. Each module
//! imports only the stages before it (`tests/layers.rs` holds them to it), and
//! the crate depends on no terminal or command-line crate.
//!
//! Another program loads a project from a folder
//! ([`project::load_project`]) or from sources it holds in memory, runs it,
//! and reads the findings:
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use mergeproof_core::engine::{self, Options};
//! use mergeproof_core::project::load_project_from_memory;
//! use mergeproof_core::review::Decisions;
//! use mergeproof_core::rule_id::RuleId;
//!
//! let files: BTreeMap<String, String> = [
//!     (
//!         "campaigns/welcome.yaml",
//!         "control: plain\nvariants:\n  - id: plain\n    subject: \"Welcome\"\n    body: \"Hello\"\n",
//!     ),
//!     (
//!         "campaigns/points.yaml",
//!         "control: plain\nvariants:\n  - id: named\n    audience: { field: points, gt: 0 }\n    subject: \"{{first_name}}, you have {{points}} points\"\n    body: \"Hi\"\n  - id: plain\n    subject: \"Your points\"\n    body: \"Hi\"\n",
//!     ),
//!     ("sample-profiles/ana.yaml", "first_name: Ana\npoints: 120\n"),
//!     ("sample-profiles/ben.yaml", "points: 40\n"),
//! ]
//! .into_iter()
//! .map(|(path, text)| (path.to_string(), text.to_string()))
//! .collect();
//!
//! let project = load_project_from_memory(&files);
//! assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
//! let run = engine::run(&project, &Options { edge_cases: false, ..Default::default() }, &Decisions::default());
//!
//! // Ben has points but no first name: his subject starts with ", you have".
//! let missing: Vec<_> = run
//!     .findings()
//!     .filter(|f| f.rule == RuleId::MissingFallback)
//!     .collect();
//! assert_eq!(missing.len(), 1);
//! assert_eq!(&*missing[0].campaign, "points");
//! assert_eq!(missing[0].profile.as_deref(), Some("ben"));
//! assert_eq!(run.summary().campaigns, 2);
//! ```

// The public surface is what another program (the `mergeproof` binary,
// the tests) uses: load a project, run it, read its findings and rendered
// cells, record review decisions, write reports. Everything else is
// `pub(crate)`; `unreachable_pub` keeps it so, and an item the binary stops
// using shows as dead code.
#![warn(unreachable_pub)]
// The engine reports bad input as errors; it never unwraps (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod atomic;
pub mod audience;
pub mod audit;
pub mod baseline;
pub mod config;
pub mod decision;
pub mod dialect;
pub mod edge;
pub mod engine;
pub mod finding;
pub mod limits;
pub(crate) mod markers;
pub mod project;
pub mod report;
pub mod review;
pub mod rule_id;
pub mod rules;
pub mod run;
pub mod sanitize;
pub mod select;
pub mod source;
pub mod template;
pub(crate) mod whitespace;

#[cfg(test)]
pub(crate) mod testkit;
