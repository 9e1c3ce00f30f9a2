//! The budgets every input is held to, in one place: past any of them an
//! input is reported, located, and the run goes on; none is a crash, a hang
//! or memory that grows with what a file holds.

/// How deep anything may nest: blocks, `{{else if}}` branches and
/// subexpressions of a template (counted together, and through the partials
/// that include it), JSON and YAML values, the segments of a dotted CSV
/// header. Real templates and exports stay far below; the engine reads and
/// renders nested input by recursion, so past this it is refused before it
/// is read. 128 is also serde_json's own recursion limit.
pub const MAX_DEPTH: usize = 128;

/// The most one cell (one profile's subject, preheader or body) may render
/// to. Loops, partials and includes count bytes, not elements; past it the
/// cell is reported on its template and the run goes on.
pub(crate) const MAX_CELL_BYTES: usize = 8 * 1024 * 1024;
