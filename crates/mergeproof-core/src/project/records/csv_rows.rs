//! CSV exports, a row at a time: the header's dotted columns become nested
//! fields (past the depth limit they are refused), each cell a typed value,
//! and every error at the row's line.

use std::io::{BufRead, Read};
use std::sync::Arc;

use serde_json::Value;

use super::{
    CSV_READ_AHEAD, CsvLayout, CsvRow, Entry, MAX_RECORD_BYTES, RECORD_TOO_LONG, too_long,
};
use crate::config::ProfileColumns;
use crate::source::{LoadError, SourceLoc};

/// How much of a CSV file [`unmatched_columns`] reads for its header.
const HEADER_BYTES: usize = 64 * 1024;

/// `input` and its delimiter ([`delimiter_of`]), told from what `input` has
/// buffered (at least its header line, unless that is longer than the
/// buffer), peeked and not consumed: the reader starts from the first byte.
fn sniffed<R: BufRead>(mut input: R) -> (R, u8) {
    let delimiter = delimiter_of(input.fill_buf().unwrap_or_default());
    (input, delimiter)
}

/// A header cell as the export's column: without a byte-order mark or the
/// spaces around it.
fn column_name(header: &str) -> &str {
    header.trim_start_matches('\u{feff}').trim()
}

/// The delimiter of a CSV file whose first bytes are `start`: a comma,
/// unless its header line holds none outside quotes and holds tabs,
/// semicolons (Excel's CSV where the decimal mark is a comma) or pipes;
/// then the one it holds most of. Read with commas, such a file would be
/// one column per row, and every customer a profile without fields.
fn delimiter_of(start: &[u8]) -> u8 {
    let header = start.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &byte in header {
        match byte {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            b',' => counts[0] += 1,
            b'\t' => counts[1] += 1,
            b';' => counts[2] += 1,
            b'|' => counts[3] += 1,
            _ => {}
        }
    }
    if counts[0] > 0 {
        return b',';
    }
    [(counts[1], b'\t'), (counts[2], b';'), (counts[3], b'|')]
        .into_iter()
        .filter(|(count, _)| *count > 0)
        // The most; on a tie, the first listed.
        .min_by_key(|(count, _)| std::cmp::Reverse(*count))
        .map_or(b',', |(_, delimiter)| delimiter)
}

/// What `columns` names that the header of the CSV file `input` does not
/// hold, where that is surely a mistake: the id column (its customers are
/// then named by their row), or a column the header holds near that name
/// (`First name` for `First Name`). A name of another file's header (one
/// `profile_columns:` serves every export) is left alone.
pub(super) fn unmatched_columns(
    input: impl Read,
    file: &str,
    columns: &ProfileColumns,
) -> Vec<LoadError> {
    let (input, delimiter) = sniffed(std::io::BufReader::with_capacity(HEADER_BYTES, input));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(input);
    let Ok(headers) = reader.headers() else {
        // The read itself reports it.
        return Vec::new();
    };
    let held: Vec<&str> = headers.iter().map(column_name).collect();
    let at_header = |message: String| LoadError::at(&SourceLoc::new(file, 1, 1), message);
    let mut notes = Vec::new();
    if let Some(id) = columns.id.as_deref().filter(|id| !held.contains(id)) {
        notes.push(at_header(format!(
            "`profile_columns:` names `{id}` as the id column, which the header does not hold{}: each customer is named by its row (`{}#17`)",
            crate::source::did_you_mean(id, &held)
                .map(|hint| format!(" ({hint})"))
                .unwrap_or_default(),
            super::stem(file),
        )));
    }
    for (header, field) in columns
        .renames
        .iter()
        .filter(|(h, _)| !held.contains(&h.as_str()))
    {
        if let Some(near) = crate::source::did_you_mean(header, &held) {
            notes.push(at_header(format!(
                "`profile_columns:` reads `{field}` from a column `{header}`, which the header does not hold ({near}): every customer of this file lacks `{field}`"
            )));
        }
    }
    notes
}

pub(super) fn read_csv(
    input: impl BufRead,
    file: &str,
    columns: &ProfileColumns,
    each: &mut dyn FnMut(Result<Entry, LoadError>),
) {
    // Lines are counted here from byte offsets: the csv crate's own line
    // numbers drift on files with CRLF line ends (most exports).
    let lines = std::rc::Rc::new(std::cell::RefCell::new(LineCounter::default()));
    // The caller's own buffer is peeked: no second one on every byte.
    let (input, delimiter) = sniffed(input);
    let counted = CountingReader {
        inner: input,
        read: 0,
        last_was_cr: false,
        lines: lines.clone(),
    };
    let line_of = |byte: u64| lines.borrow_mut().line_of(byte);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(delimiter)
        .from_reader(counted);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            each(Err(csv_error(file, &e, 1, delimiter)));
            return;
        }
    };
    // Each column's field path, renamed by `profile_columns`.
    let paths: Vec<String> = headers
        .iter()
        .map(|h| columns.field_for(column_name(h)))
        .collect();
    let id_column = paths.iter().position(|p| p == columns.id_field());
    let paths = without_too_deep_columns(paths, &headers, file, each);
    let layout = Arc::new(CsvLayout::new(file, &paths, id_column, delimiter == b';'));
    let mut cells = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_record(&mut cells) {
            Ok(false) => break,
            Ok(true) => {
                row += 1;
                lines.borrow_mut().row_start = reader.position().byte();
                let line = cells.position().map_or(0, |p| line_of(p.byte()));
                if cells.as_slice().len() > MAX_RECORD_BYTES {
                    each(Err(LoadError::at(
                        &SourceLoc::new(file, u32::try_from(line).unwrap_or(u32::MAX), 1),
                        too_long("row"),
                    )));
                    // The reader's buffer grew to hold it: let it go.
                    cells = csv::StringRecord::new();
                    continue;
                }
                each(Ok(Entry::Row(CsvRow {
                    layout: layout.clone(),
                    cells: cells.clone(),
                    row,
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                })));
            }
            Err(_) if reader.get_ref().past_record_limit() => {
                let start = lines.borrow().row_start;
                let line = line_of(start);
                each(Err(LoadError::at(
                    &SourceLoc::new(file, u32::try_from(line).unwrap_or(u32::MAX), 1),
                    format!("{}; the file is not read past it", too_long("row")),
                )));
                break;
            }
            Err(e) => {
                row += 1;
                lines.borrow_mut().row_start = reader.position().byte();
                let line = error_position(&e).map_or(0, |p| line_of(p.byte()));
                each(Err(csv_error(file, &e, line, delimiter)));
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    break;
                }
            }
        }
    }
}

/// Each header with more dotted segments than [`crate::limits::MAX_DEPTH`]
/// is a rejected column, reported where it stands in the header line, and
/// left out of every record: its path becomes empty, which nothing reads.
fn without_too_deep_columns(
    mut paths: Vec<String>,
    headers: &csv::StringRecord,
    file: &str,
    each: &mut dyn FnMut(Result<Entry, LoadError>),
) -> Vec<String> {
    let limit = crate::limits::MAX_DEPTH;
    // The column in characters, counting each header and its comma (quotes
    // around a header are not counted: the csv crate keeps no offsets).
    let mut column = 1usize;
    for (path, header) in paths.iter_mut().zip(headers.iter()) {
        let segments = path.split('.').filter(|s| !s.is_empty()).count();
        if segments > limit {
            let shown: String = crate::sanitize::visible(header).chars().take(40).collect();
            each(Err(LoadError::at(
                &SourceLoc::new(file, 1, u32::try_from(column).unwrap_or(u32::MAX)),
                format!(
                    "the header `{shown}…` nests {segments} fields deep and mergeproof reads at most {limit}: this column is left out; rename it in the export or map it to a shorter field with `profile_columns:` in mergeproof.yaml"
                ),
            )));
            path.clear();
        }
        column += header.chars().count() + 1;
    }
    paths
}

fn error_position(e: &csv::Error) -> Option<&csv::Position> {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, .. } | csv::ErrorKind::Utf8 { pos, .. } => {
            pos.as_ref()
        }
        _ => None,
    }
}

fn csv_error(file: &str, e: &csv::Error, line: u64, delimiter: u8) -> LoadError {
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "this row has {len} cells where the header has {expected_len}: a cell holding a {} needs double quotes around it",
            match delimiter {
                b'\t' => "tab",
                b';' => "semicolon",
                b'|' => "pipe",
                _ => "comma",
            }
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "this row is not UTF-8 text: export the file as UTF-8".to_string()
        }
        _ => format!("cannot read the CSV: {e}"),
    };
    if line == 0 {
        LoadError::in_file(file, message)
    } else {
        LoadError::at(&SourceLoc::new(file, line as u32, 1), message)
    }
}

/// The line a byte offset is on, for offsets asked in increasing order: it
/// keeps only the line ends read ahead of the last offset asked.
#[derive(Default)]
struct LineCounter {
    /// Byte offsets of line ends read but not yet passed.
    ends: std::collections::VecDeque<u64>,
    /// Where the row being read starts: reading stops past
    /// [`MAX_RECORD_BYTES`] from it (and the csv crate's read-ahead), so an
    /// endless row is never held whole.
    row_start: u64,
    /// Line ends passed.
    passed: u64,
}

impl LineCounter {
    fn line_of(&mut self, byte: u64) -> u64 {
        // With CRLF line ends the csv crate starts a record at the `\n` of
        // the line before: that line end is passed too.
        while self.ends.front().is_some_and(|end| *end <= byte) {
            self.ends.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

struct CountingReader<R> {
    inner: R,
    read: u64,
    /// The last byte read was `\r`: a `\n` first in the next read ends no
    /// second line.
    last_was_cr: bool,
    lines: std::rc::Rc<std::cell::RefCell<LineCounter>>,
}

impl<R> CountingReader<R> {
    /// Whether the row being read has run past [`MAX_RECORD_BYTES`] (and the
    /// csv crate's read-ahead): reading stops there.
    fn past_record_limit(&self) -> bool {
        let row_start = self.lines.borrow().row_start;
        self.read.saturating_sub(row_start) > MAX_RECORD_BYTES as u64 + CSV_READ_AHEAD
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.past_record_limit() {
            return Err(std::io::Error::other(RECORD_TOO_LONG));
        }
        let n = self.inner.read(buf)?;
        let mut lines = self.lines.borrow_mut();
        // A line ends at `\n`, `\r\n` or a lone `\r` (old Mac exports), as
        // the csv crate reads them: counted once, at its first byte. Found
        // by `memchr`, a line at a time: every byte of an export passes here.
        for i in memchr::memchr2_iter(b'\r', b'\n', &buf[..n]) {
            let after_cr = if i == 0 {
                self.last_was_cr
            } else {
                buf[i - 1] == b'\r'
            };
            if buf[i] == b'\r' || !after_cr {
                lines.ends.push_back(self.read + i as u64);
            }
        }
        if n > 0 {
            self.last_was_cr = buf[n - 1] == b'\r';
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// A CSV cell as a value: empty is missing; numbers as numbers (not `007`);
/// `true`/`false` as booleans; anything else text.
pub(crate) fn cell_value(cell: &str) -> Option<Value> {
    if cell.is_empty() {
        return None;
    }
    if cell == "true" {
        return Some(Value::Bool(true));
    }
    if cell == "false" {
        return Some(Value::Bool(false));
    }
    if is_number(cell) {
        if let Ok(i) = cell.parse::<i64>() {
            return Some(Value::from(i));
        }
        if let Some(n) = cell
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Some(Value::Number(n));
        }
    }
    Some(Value::String(cell.to_string()))
}

/// `12`, `-3.50`, `0.5`: a whole or decimal number, written without leading
/// zeros (`007` is a code, not seven), exponents or a plus sign.
fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && whole.len() <= 15
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::CountingReader;

    #[test]
    fn a_crlf_split_across_two_reads_is_one_line_end() {
        let mut split = CountingReader {
            inner: std::io::Cursor::new(b"a\r\nb\n".to_vec()),
            read: 0,
            last_was_cr: false,
            lines: Default::default(),
        };
        let mut one = [0u8; 2];
        while std::io::Read::read(&mut split, &mut one).unwrap() > 0 {}
        assert_eq!(split.lines.borrow().ends.len(), 2);
    }

    proptest::proptest! {
        /// Read in pieces of any size, the line ends counted are those of
        /// the whole text looked at a byte at a time: `\n`, `\r\n` or a
        /// lone `\r`, each at its first byte.
        #[test]
        fn line_ends_are_counted_at_their_first_byte_whatever_the_reads(
            text in proptest::collection::vec(proptest::sample::select(vec![b'a', b'\r', b'\n']), 0..64),
            piece in 1usize..8,
        ) {
            let expected: Vec<u64> = (0..text.len())
                .filter(|&i| text[i] == b'\r' || (text[i] == b'\n' && (i == 0 || text[i - 1] != b'\r')))
                .map(|i| i as u64)
                .collect();
            let mut reader = CountingReader {
                inner: std::io::Cursor::new(text.clone()),
                read: 0,
                last_was_cr: false,
                lines: Default::default(),
            };
            let mut buf = vec![0u8; piece];
            while std::io::Read::read(&mut reader, &mut buf).unwrap() > 0 {}
            let counted: Vec<u64> = reader.lines.borrow().ends.iter().copied().collect();
            proptest::prop_assert_eq!(counted, expected);
        }
    }
}
