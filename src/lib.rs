//! The `mergeproof` binary's library half: the command line ([`cli`]) and the
//! terminal UI ([`tui`]). The engine they both call is `mergeproof_core`.

pub mod cli;
pub mod init;
pub mod tui;
