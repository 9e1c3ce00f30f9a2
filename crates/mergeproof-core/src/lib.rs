//! mergeproof's engine: proofs every personalized variant of a campaign
//! against every customer profile before it is sent.
//!
//! Data flows one way: [`project`] (load) → [`template`] (analyse) → [`edge`]
//! (synthesize) → [`select`] → render → [`rules`] (check) → [`review`] → [`report`].
//! [`engine`] runs the pipeline for `lint` and the TUI alike.

pub mod atomic;
pub mod audience;
pub mod config;
pub mod decision;
pub mod edge;
pub mod engine;
pub mod finding;
pub mod markers;
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

#[cfg(test)]
pub(crate) mod testkit;
