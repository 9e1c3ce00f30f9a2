//! Profiles as sending platforms export them: CSV (Mailchimp, Klaviyo),
//! JSON Lines (Braze, CDPs) and JSON (SendGrid test data), read one record at
//! a time. A bad record is an error at its file, line and column; the others
//! still load.
//!
//! CSV cells become values as DESIGN.md "Profile files" says: an empty cell
//! is a missing field, a whole or decimal number is a number (`007`, with its
//! leading zeros, stays text), `true`/`false` a boolean, anything else text;
//! a dotted header nests (`account.balance`). `profile_columns:` renames
//! export headers and names the id column.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;
use std::sync::Arc;

use serde::Deserialize;

use serde_json::{Map, Value};

use crate::config::ProfileColumns;
use crate::source::{LoadError, SourceLoc, strip_position_suffix};

mod csv_rows;
pub(crate) use csv_rows::cell_value;
use csv_rows::read_csv;

/// How a file holds its records, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    Csv,
    Json,
    JsonLines,
}

impl RecordFormat {
    pub fn of(file: &str) -> Option<RecordFormat> {
        match extension(file).as_str() {
            // A `.tsv` is a CSV file whose header holds tabs.
            "csv" | "tsv" => Some(RecordFormat::Csv),
            "json" => Some(RecordFormat::Json),
            "jsonl" | "ndjson" => Some(RecordFormat::JsonLines),
            _ => None,
        }
    }
}

/// What follows the last dot of a file's name, in lower case.
fn extension(file: &str) -> String {
    file.rsplit('.').next().unwrap_or(file).to_ascii_lowercase()
}

/// Why `file` cannot be read as an export, when its extension says it is
/// packed in a form no export format is: compressed, or a spreadsheet
/// workbook. Said before anything is read: its bytes would only be rejected
/// as text that is not UTF-8.
pub fn unreadable_export(file: &str) -> Option<String> {
    let ext = extension(file);
    // What the file holds once unpacked, as its name says (`list.jsonl.gz`).
    let inner = file.rsplit_once('.').map_or("", |(inner, _)| inner);
    let inner_format = match RecordFormat::of(inner) {
        Some(RecordFormat::Json) => "json",
        Some(RecordFormat::JsonLines) => "jsonl",
        Some(RecordFormat::Csv) => "csv",
        None if matches!(extension(inner).as_str(), "yaml" | "yml") => "yaml",
        // The name says nothing of what is inside: the user picks.
        None => "<csv|jsonl|json|yaml>",
    };
    match ext.as_str() {
        "gz" | "bz2" | "xz" | "zst" => {
            let unpack = match ext.as_str() {
                "gz" => "gunzip -c",
                "bz2" => "bunzip2 -c",
                "xz" => "xz -dc",
                _ => "zstd -dc",
            };
            Some(format!(
                "{file} is compressed ({ext}): decompress it first, or stream it without writing it out: `{unpack} {file} | mergeproof audit --profiles - --profiles-format {inner_format}`"
            ))
        }
        "zip" | "7z" => Some(format!(
            "{file} is an archive ({ext}): unpack it (`unzip`, `7z x`) and pass the .csv, .jsonl or .json file inside"
        )),
        "xlsx" | "xls" | "ods" | "numbers" => Some(format!(
            "{file} is a spreadsheet workbook ({ext}): save it as CSV (UTF-8) and pass the .csv file"
        )),
        _ => None,
    }
}

/// The extensions read as exports, beside YAML.
pub(crate) const EXPORT_EXTENSIONS: &[&str] = &["csv", "tsv", "json", "jsonl", "ndjson"];

/// One record: its id, its data (the id column taken out) and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: String,
    pub data: Value,
    pub loc: SourceLoc,
}

/// A record as read. A CSV row stays cells until something needs its values:
/// `audit` tells most rows apart by their cells alone. A JSON Lines line
/// stays text until it is made a record where it is used: `audit` parses it
/// on the core that checks it, which then frees it, where parsing on the
/// thread that reads the file left that thread behind the cores and had
/// every value freed on a core other than the one that made it.
#[derive(Clone, Debug)]
pub enum Entry {
    Row(CsvRow),
    Line(JsonLine),
    Record(Record),
}

/// A line of a JSON Lines export, as text: what [`JsonLine::record`]
/// parses.
#[derive(Clone, Debug)]
pub struct JsonLine {
    /// The line without its line end (and without a byte order mark).
    text: String,
    /// Where the line starts.
    loc: SourceLoc,
    /// The how-manieth record of the file: a record without an id is
    /// named by it.
    row: usize,
}

impl JsonLine {
    /// The line's record, or why it is none: its column is where the line
    /// stops being JSON.
    pub fn record(self, columns: &ProfileColumns) -> Result<Record, LoadError> {
        match serde_json::from_str::<Value>(&self.text) {
            Ok(value) => record(value, self.loc, self.row, columns),
            Err(e) => Err(LoadError::at(
                &SourceLoc {
                    column: u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
                    ..self.loc
                },
                json_line_error(&e),
            )),
        }
    }
}

impl Entry {
    /// About how many bytes the entry holds: its text, and a little for
    /// each value. What a reader hands over is bounded by it, not by a count
    /// of records alone, whatever the length of their values.
    pub fn approximate_bytes(&self) -> usize {
        fn of(value: &Value) -> usize {
            16 + match value {
                Value::String(s) => s.len(),
                Value::Array(items) => items.iter().map(of).sum(),
                Value::Object(map) => map.iter().map(|(k, v)| k.len() + of(v)).sum(),
                _ => 0,
            }
        }
        match self {
            Entry::Row(row) => row.cells.as_slice().len() + 16 * row.cells.len(),
            // Its text, which is what is held until it is parsed: `audit`
            // parses a line as it checks it (its values hold a few times
            // its text, a line at a time on each core), or, for a batch it
            // keys by shape, the whole batch first.
            Entry::Line(line) => line.text.len(),
            Entry::Record(record) => record.id.len() + of(&record.data),
        }
    }

    /// The record the entry holds: a CSV row's cells made into its fields,
    /// a JSON Lines line parsed (and renamed by `columns`, the columns it
    /// was read with), or why the line is no record.
    pub fn into_record(self, columns: &ProfileColumns) -> Result<Record, LoadError> {
        match self {
            Entry::Row(row) => Ok(row.record()),
            Entry::Line(line) => line.record(columns),
            Entry::Record(record) => Ok(record),
        }
    }
}

/// The columns of a CSV export: each one's field path (renamed by
/// `profile_columns`), and which one holds the id.
#[derive(Debug)]
pub(crate) struct CsvLayout {
    file: String,
    /// Column by column, where its value lands in a record (`None` for a
    /// column left out, whose path is empty).
    places: Vec<Option<ColumnPlace>>,
    /// The objects on the way to each place, each path once: `[]` for the
    /// top level, `["loyalty"]` for `loyalty.tier` and `loyalty.points`.
    parents: Vec<Box<[String]>>,
    id_column: Option<usize>,
    /// Numbers are written with a decimal comma (`12,50`): the file is
    /// separated by semicolons, as Excel writes CSV where the comma is the
    /// decimal mark.
    decimal_comma: bool,
}

/// Where a column's value lands in a record: its key in the object
/// `parents[parent]` of its layout.
#[derive(Debug)]
struct ColumnPlace {
    parent: usize,
    key: String,
}

impl CsvLayout {
    /// The layout of `file`'s columns, whose field paths are `paths` (an
    /// empty path is a column left out).
    pub(super) fn new(
        file: &str,
        paths: &[String],
        id_column: Option<usize>,
        decimal_comma: bool,
    ) -> CsvLayout {
        let all: Vec<Vec<String>> = paths
            .iter()
            .map(|path| {
                path.split('.')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        let mut parents: Vec<Box<[String]>> = Vec::new();
        // Looked up, not searched: a header may have thousands of columns.
        let mut numbered: std::collections::HashMap<&[String], usize> = Default::default();
        let places = all
            .iter()
            .map(|segments| {
                let (key, path) = segments.split_last()?;
                let parent = *numbered.entry(path).or_insert_with(|| {
                    parents.push(path.into());
                    parents.len() - 1
                });
                Some(ColumnPlace {
                    parent,
                    key: key.clone(),
                })
            })
            .collect();
        CsvLayout {
            file: file.to_string(),
            places,
            parents,
            id_column,
            decimal_comma,
        }
    }

    /// A cell as a value ([`cell_value`]), `12,50` read as 12.5 in a file of
    /// decimal commas.
    fn value_of(&self, cell: &str) -> Option<Value> {
        if self.decimal_comma
            && let Some((whole, fraction)) = cell.split_once(',')
            && let Some(number) =
                cell_value(&format!("{whole}.{fraction}")).filter(Value::is_number)
        {
            return Some(number);
        }
        cell_value(cell)
    }

    /// The columns whose values land under these top-level fields, in column
    /// order; every column for `None` (all of the record).
    pub(crate) fn columns_under(&self, fields: Option<&[String]>) -> Vec<usize> {
        (0..self.places.len())
            .filter(|&i| {
                fields.is_none_or(|fields| {
                    // The path's first name: its first parent's, else its key.
                    let top = self.places[i]
                        .as_ref()
                        .map(|place| self.parents[place.parent].first().unwrap_or(&place.key));
                    top.is_none_or(|top| fields.contains(top))
                })
            })
            .collect()
    }
}

/// One CSV row, its cells as the file holds them.
#[derive(Clone, Debug)]
pub struct CsvRow {
    pub(crate) layout: Arc<CsvLayout>,
    pub cells: csv::StringRecord,
    /// The row's number among the file's rows, from 1.
    pub row: usize,
    pub line: u32,
}

impl CsvRow {
    /// The id cell, trimmed, else `file#N`.
    pub(crate) fn id(&self) -> Cow<'_, str> {
        match self
            .layout
            .id_column
            .and_then(|i| self.cells.get(i))
            .map(str::trim)
        {
            Some(id) if !id.is_empty() => Cow::Borrowed(id),
            _ => Cow::Owned(format!("{}#{}", stem(&self.layout.file), self.row)),
        }
    }

    /// Writes these columns' cells: two rows write the same bytes exactly
    /// when those cells are identical, so their values are too.
    pub(crate) fn write_cells(&self, columns: &[usize], out: &mut Vec<u8>) {
        for &i in columns {
            out.extend_from_slice(self.cells.get(i).unwrap_or_default().as_bytes());
            // A cell is UTF-8 text, which never holds this byte: it ends each.
            out.push(0xff);
        }
    }

    /// The row's cells as values, at their fields' paths.
    pub(crate) fn record(&self) -> Record {
        self.record_holding(self.data_of(0..self.cells.len()))
    }

    /// The record of these columns alone (in column order): for the
    /// columns [`CsvLayout::columns_under`] some top-level fields, the
    /// record's id and place, and what [`Self::record`] holds under those
    /// fields.
    pub(crate) fn record_of(&self, columns: &[usize]) -> Record {
        self.record_holding(self.data_of(columns.iter().copied()))
    }

    fn record_holding(&self, data: Value) -> Record {
        Record {
            id: self.id().into_owned(),
            data,
            loc: SourceLoc::new(self.layout.file.as_str(), self.line, 1),
        }
    }

    /// These columns' cells (in column order) as values, at their fields'
    /// paths: for the columns [`CsvLayout::columns_under`] some top-level
    /// fields, what [`Self::record`] holds under those fields.
    ///
    /// Each value is set at its path (`a.b.c`), objects made on the way; a
    /// value that is not an object on the way keeps the column out (a column
    /// `a` and a column `a.b`: the first one wins). Columns in a row that go
    /// into one object (`loyalty.tier`, `loyalty.points`) find it once:
    /// walking each path from the top was a tenth of an audit's work.
    pub(crate) fn data_of(&self, columns: impl IntoIterator<Item = usize>) -> Value {
        let layout = &*self.layout;
        let mut data = Map::new();
        // The last place's parent, and the object found there (`None`: a
        // value that is not an object stands on the way).
        let mut open: Option<(usize, Option<&mut Map<String, Value>>)> = None;
        for i in columns {
            if Some(i) == layout.id_column {
                continue;
            }
            let Some(place) = layout.places.get(i).and_then(Option::as_ref) else {
                continue;
            };
            let Some(value) = self.cells.get(i).and_then(|c| layout.value_of(c)) else {
                continue;
            };
            if open
                .as_ref()
                .is_none_or(|(parent, _)| *parent != place.parent)
            {
                open = Some((
                    place.parent,
                    object_at(
                        &mut data,
                        layout.parents[place.parent].iter().map(String::as_str),
                    ),
                ));
            }
            if let Some((_, Some(object))) = &mut open {
                object.insert(place.key.clone(), value);
            }
        }
        Value::Object(data)
    }
}

/// The object at `path` under `map`, made on the way where missing; `None`
/// when a value that is not an object stands on the way (a column `a` and a
/// column `a.b`: the first one wins).
fn object_at<'m, 'p>(
    mut map: &'m mut Map<String, Value>,
    path: impl IntoIterator<Item = &'p str>,
) -> Option<&'m mut Map<String, Value>> {
    for segment in path {
        map = map
            .entry(segment)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?;
    }
    Some(map)
}

/// Reads every record of `input`, handing each (or its error) to `each` as
/// it is read: memory holds one record at a time (a JSON array is read an
/// element at a time, a CSV row or a JSON Lines line at a time).
pub(crate) fn read_records(
    input: impl BufRead,
    format: RecordFormat,
    file: &str,
    columns: &ProfileColumns,
    each: &mut dyn FnMut(Result<Record, LoadError>),
) {
    read_entries(input, format, file, columns, &mut |entry| {
        each(entry.and_then(|entry| entry.into_record(columns)));
    });
}

/// For a CSV export, what `columns` (`profile_columns:`) names that its
/// header surely meant otherwise: a misspelt column, a missing id column.
/// Nothing for other formats, whose records name their own fields.
pub fn unmatched_columns(
    input: impl Read,
    format: RecordFormat,
    file: &str,
    columns: &ProfileColumns,
) -> Vec<LoadError> {
    match format {
        RecordFormat::Csv => csv_rows::unmatched_columns(input, file, columns),
        RecordFormat::Json | RecordFormat::JsonLines => Vec::new(),
    }
}

/// [`read_records`], CSV rows left as cells and JSON Lines lines as text.
pub fn read_entries(
    input: impl BufRead,
    format: RecordFormat,
    file: &str,
    columns: &ProfileColumns,
    each: &mut dyn FnMut(Result<Entry, LoadError>),
) {
    match format {
        RecordFormat::Csv => read_csv(input, file, columns, each),
        RecordFormat::JsonLines => read_json_lines(input, file, each),
        RecordFormat::Json => read_json(input, file, columns, &mut |r| {
            each(r.map(Entry::Record));
        }),
    }
}

/// The longest record an export may hold: a profile is a few kilobytes. A
/// longer JSON Lines line is read past without being kept (it is a file that
/// is not JSON Lines, a JSON array saved as `.jsonl` say); a longer CSV row,
/// which the csv crate holds whole while reading it, is let go at once.
pub(crate) const MAX_RECORD_BYTES: usize = crate::project::paths::MAX_FILE_BYTES as usize;

fn too_long(record: &str) -> String {
    format!(
        "this {record} is longer than {} MiB, more than any profile holds: is the file an export of profiles, one per {record}?",
        MAX_RECORD_BYTES >> 20
    )
}

fn read_json_lines(input: impl Read, file: &str, each: &mut dyn FnMut(Result<Entry, LoadError>)) {
    let mut reader = std::io::BufReader::new(input);
    let mut row = 0usize;
    let mut line = Vec::new();
    for index in 0usize.. {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let at = |column: usize| SourceLoc::new(file, line_no, u32::try_from(column).unwrap_or(1));
        line.clear();
        let limit = MAX_RECORD_BYTES as u64 + 1;
        match (&mut reader).take(limit).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                each(Err(LoadError::at(
                    &at(1),
                    format!("cannot read this line: {e}"),
                )));
                break;
            }
        }
        if line.len() > MAX_RECORD_BYTES && line.last() != Some(&b'\n') {
            row += 1;
            each(Err(LoadError::at(&at(1), too_long("line"))));
            if let Err(e) = skip_line(&mut reader) {
                each(Err(LoadError::at(
                    &at(1),
                    format!("cannot read this line: {e}"),
                )));
                break;
            }
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            row += 1;
            each(Err(LoadError::at(
                &at(1),
                "this line is not UTF-8 text: export the file as UTF-8",
            )));
            continue;
        };
        let text = text
            .trim_start_matches('\u{feff}')
            .trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        row += 1;
        each(Ok(Entry::Line(JsonLine {
            text: text.to_owned(),
            loc: at(1),
            row,
        })));
    }
}

/// Reads past the rest of a line without keeping it.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => {
                reader.consume(end + 1);
                return Ok(());
            }
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    }
}

/// serde_json's reason in a JSON Lines reader's words, without its own
/// "at line 1 column N" (the line and column are the error's place).
fn json_line_error(e: &serde_json::Error) -> String {
    let reason = strip_position_suffix(&e.to_string());
    if e.is_eof() {
        format!(
            "this line ends inside its JSON ({reason}): JSON Lines hold one whole object on each line"
        )
    } else {
        format!("this line is not a JSON object: {reason}")
    }
}

/// Reads a JSON export, one object or an array of them, an element at a
/// time: memory holds one record, not the file, and each record is placed at
/// the line and column where it starts. A syntax error ends the file there;
/// the records before it are kept.
fn read_json(
    input: impl Read,
    file: &str,
    columns: &ProfileColumns,
    each: &mut dyn FnMut(Result<Record, LoadError>),
) {
    let mut buffered = std::io::BufReader::new(input);
    // A byte-order mark is no JSON (exports from Windows tools have one).
    if let Ok(start) = buffered.fill_buf()
        && start.starts_with("\u{feff}".as_bytes())
    {
        buffered.consume(3);
    }
    let place = Rc::new(Cell::new(Place {
        line: 1,
        column: 0,
        record_bytes: 0,
    }));
    let placed = PlacedReader {
        inner: buffered,
        place: place.clone(),
    };
    let mut deserializer = serde_json::Deserializer::from_reader(placed);
    let top = TopLevel {
        place: &place,
        file,
        columns,
        each,
    };
    let read = serde::de::Deserializer::deserialize_any(&mut deserializer, top)
        .and_then(|()| deserializer.end());
    if let Err(e) = read {
        if place.get().record_bytes > MAX_RECORD_BYTES {
            let place = place.get();
            each(Err(LoadError::at(
                &SourceLoc::new(file, place.line, place.column.max(1)),
                format!("{}; the file is not read past it", too_long("record")),
            )));
            return;
        }
        let reason = strip_position_suffix(&e.to_string());
        each(Err(LoadError::at(
            &SourceLoc::new(
                file,
                u32::try_from(e.line()).unwrap_or(u32::MAX),
                u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
            ),
            format!("not valid JSON: {reason}"),
        )));
    }
}

/// How far the csv crate reads ahead of the row it is reading (its buffer).
const CSV_READ_AHEAD: u64 = 64 * 1024;

/// The readers' error when a record runs past [`MAX_RECORD_BYTES`]: it ends
/// the read, and the caller tells it by the reader's own count.
const RECORD_TOO_LONG: &str = "a record longer than a profile may be";

/// Where reading has got to: the line, and the bytes read of it.
#[derive(Clone, Copy)]
struct Place {
    line: u32,
    column: u32,
    /// Bytes read since the current record began: past
    /// [`MAX_RECORD_BYTES`] the reader stops, so a record is never held
    /// whole when it is too long.
    record_bytes: usize,
}

impl Place {
    /// The place of the last byte read: serde_json has read the first byte of
    /// a value (to see what it is) when it hands the value on.
    fn of_last_byte(self, file: &str) -> SourceLoc {
        SourceLoc::new(file, self.line, self.column.max(1))
    }
}

/// A reader that keeps the [`Place`] of what it has handed over. serde_json
/// reads a reader a byte at a time, so the place is exact.
struct PlacedReader<R> {
    inner: R,
    place: Rc<Cell<Place>>,
}

impl<R: Read> Read for PlacedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut place = self.place.get();
        if place.record_bytes > MAX_RECORD_BYTES {
            return Err(std::io::Error::other(RECORD_TOO_LONG));
        }
        let n = self.inner.read(buf)?;
        place.record_bytes += n;
        for &byte in &buf[..n] {
            if byte == b'\n' {
                place.line = place.line.saturating_add(1);
                place.column = 0;
            } else {
                place.column = place.column.saturating_add(1);
            }
        }
        self.place.set(place);
        Ok(n)
    }
}

/// The top of a JSON export: an array of records, or one record.
struct TopLevel<'a, 'e> {
    place: &'a Rc<Cell<Place>>,
    file: &'a str,
    columns: &'a ProfileColumns,
    each: &'a mut (dyn FnMut(Result<Record, LoadError>) + 'e),
}

impl<'de> serde::de::Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a profile object or an array of them")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut row = 0;
        loop {
            let mut place = self.place.get();
            place.record_bytes = 0;
            self.place.set(place);
            let Some((value, loc)) = items.next_element_seed(PlacedValue {
                place: self.place,
                file: self.file,
            })?
            else {
                break;
            };
            row += 1;
            (self.each)(record(value, loc, row, self.columns));
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let loc = self.place.get().of_last_byte(self.file);
        let value = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        (self.each)(record(value, loc, 1, self.columns));
        Ok(())
    }

    // A single value at the top is one record that is not an object. The
    // visitor's default would fail with serde's "invalid type: string
    // \"Ann\"", which prints the customer's data.
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.not_an_object()
    }
}

impl TopLevel<'_, '_> {
    fn not_an_object<E>(self) -> Result<(), E> {
        let loc = SourceLoc::new(self.file, 1, 1);
        (self.each)(record(Value::Null, loc, 1, self.columns));
        Ok(())
    }
}

/// One element of the array, with the place where it starts.
struct PlacedValue<'a> {
    place: &'a Rc<Cell<Place>>,
    file: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for PlacedValue<'_> {
    type Value = (Value, SourceLoc);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let loc = self.place.get().of_last_byte(self.file);
        Ok((Value::deserialize(d)?, loc))
    }
}

/// A JSON value as a record: an object, its id from the id column (a text
/// or a number), else `file#N`.
fn record(
    mut value: Value,
    loc: SourceLoc,
    row: usize,
    columns: &ProfileColumns,
) -> Result<Record, LoadError> {
    let Value::Object(map) = &mut value else {
        return Err(LoadError::at(
            &loc,
            "a profile is an object of fields (`{\"first_name\": \"Loren\"}`), not a single value",
        ));
    };
    // A field renamed to a path (`"Tier": loyalty.tier`) lands at that path,
    // as a CSV column renamed so does: objects are made on the way, and a
    // value that is not an object on the way keeps the renamed field out.
    for (from, to) in columns.all_renames() {
        if let Some(v) = map.shift_remove(from) {
            let mut path = to.split('.').filter(|s| !s.is_empty());
            let Some(key) = path.next_back() else {
                continue;
            };
            if let Some(object) = object_at(map, path) {
                object.insert(key.to_string(), v);
            }
        }
    }
    let id = match map.shift_remove(columns.id_field()) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        // No id, or a blank one (an export's empty id cell, `""`): numbered,
        // as a CSV row without one is.
        None | Some(Value::Null | Value::String(_)) => format!("{}#{row}", stem(&loc.file)),
        Some(_) => {
            // Named as the export names it (`profile_columns: { id: ... }`).
            let named = columns.id.as_deref().unwrap_or(columns.id_field());
            return Err(LoadError::at(
                &loc,
                format!("the id `{named}` must be a text or a number"),
            ));
        }
    };
    Ok(Record {
        id,
        data: value,
        loc,
    })
}

fn stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all(text: &str, file: &str, columns: &ProfileColumns) -> (Vec<Record>, Vec<String>) {
        all_of(text.as_bytes(), file, columns)
    }

    /// Every record of `input`, read as `file`'s format, with the errors.
    fn all_of(
        input: impl Read,
        file: &str,
        columns: &ProfileColumns,
    ) -> (Vec<Record>, Vec<String>) {
        let mut records = Vec::new();
        let mut errors = Vec::new();
        read_records(
            std::io::BufReader::new(input),
            RecordFormat::of(file).unwrap(),
            file,
            columns,
            &mut |r| match r {
                Ok(r) => records.push(r),
                Err(e) => errors.push(e.to_string()),
            },
        );
        (records, errors)
    }

    /// The columns under some top-level fields hold what the whole record
    /// holds under them, whatever else the row holds, a column `a` beside
    /// columns `a.b` included (the first one wins in both).
    #[test]
    fn the_columns_under_fields_hold_what_the_record_holds_there() {
        let text = "id,loyalty,loyalty.tier,age,first_name,loyalty.points,account.balance\n\
                    c1,,gold,17,Ann,0,1\n\
                    c2,x,silver,,Bo,3,\n\
                    c3,,,,,,\n";
        let mut rows = Vec::new();
        read_entries(
            text.as_bytes(),
            RecordFormat::Csv,
            "list.csv",
            &ProfileColumns::default(),
            &mut |e| rows.push(e.unwrap()),
        );
        let fields = ["age".to_string(), "loyalty".to_string()];
        for entry in rows {
            let Entry::Row(row) = entry else {
                panic!("a CSV row is kept as cells");
            };
            let Value::Object(whole) = row.record().data else {
                panic!("a record is an object");
            };
            let under: Map<String, Value> = whole
                .into_iter()
                .filter(|(k, _)| fields.contains(k))
                .collect();
            let part = row.data_of(row.layout.columns_under(Some(&fields)));
            assert_eq!(part, Value::Object(under), "row {}", row.row);
        }
    }

    /// Sets `a.b.c` in an object, walking the path from the top and making
    /// the objects on the way: what a row's record is, column by column.
    fn set_at_path(data: &mut Map<String, Value>, path: &str, value: Value) {
        let mut current = data;
        let mut segments = path.split('.').filter(|s| !s.is_empty()).peekable();
        while let Some(segment) = segments.next() {
            if segments.peek().is_none() {
                current.insert(segment.to_string(), value);
                return;
            }
            let next = current
                .entry(segment.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(next) = next else {
                // A column `a` and a column `a.b`: the first one wins.
                return;
            };
            current = next;
        }
    }

    proptest::proptest! {
        /// A record finds each object once for the columns that go into it,
        /// and holds what setting each column at its path from the top
        /// holds, in the same order: columns that clash (`a`, `a.b`), repeat,
        /// hold empty segments (`a..b`) or are empty themselves included.
        #[test]
        fn a_record_holds_each_value_at_its_path_as_walked_from_the_top(
            headers in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec!["a", "b", "c", ""]), 1..4),
                1..8),
            rows in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec!["", "1", "x"]), 8),
                1..4),
        ) {
            let paths: Vec<String> = headers.iter().map(|h| h.join(".")).collect();
            let mut text = format!("id,{}\n", paths.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(","));
            for (n, cells) in rows.iter().enumerate() {
                text.push_str(&format!("r{n},{}\n", cells[..paths.len()].join(",")));
            }
            let (records, errors) = all(&text, "list.csv", &ProfileColumns::default());
            proptest::prop_assert!(errors.is_empty(), "{errors:?}");
            for (record, cells) in records.iter().zip(&rows) {
                let mut expected = Map::new();
                for (path, cell) in paths.iter().zip(cells) {
                    if let Some(value) = csv_rows::cell_value(cell) {
                        set_at_path(&mut expected, path, value);
                    }
                }
                proptest::prop_assert_eq!(
                    serde_json::to_string(&record.data).unwrap(),
                    serde_json::to_string(&Value::Object(expected)).unwrap()
                );
            }
        }
    }

    #[test]
    fn csv_cells_become_values() {
        let (r, e) = all(
            "id,First Name,account.balance,zip,vip,note\nc-1,Loren,0,02134,true,\nc-2,,-3.50,007,false,\"a, b\"\n",
            "sample-profiles/export.csv",
            &ProfileColumns::with(&[("First Name", "first_name")]),
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r[0].id, "c-1");
        assert_eq!(
            r[0].data,
            json!({"first_name": "Loren", "account": {"balance": 0}, "zip": "02134", "vip": true})
        );
        assert_eq!(r[1].data["account"]["balance"], json!(-3.5));
        assert_eq!(r[1].data["zip"], "007");
        assert_eq!(r[1].data["note"], "a, b");
        assert!(r[1].data.get("first_name").is_none());
        assert_eq!((r[1].loc.line, r[1].loc.column), (3, 1));
    }

    #[test]
    fn a_csv_separated_otherwise_than_by_commas_is_read_by_its_header() {
        // Excel's CSV where the comma is the decimal mark: semicolons, and
        // numbers with a decimal comma.
        let columns = ProfileColumns::with(&[("First Name", "first_name")]);
        let (r, e) = all(
            "id;First Name;account.balance;note\nc-1;Loren;12,50;\"a; b\"\nc-2;Zoë;0,00;1,2,3\n",
            "export.csv",
            &columns,
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(
            r[0].data,
            json!({"first_name": "Loren", "account": {"balance": 12.5}, "note": "a; b"})
        );
        assert_eq!(r[1].data["account"]["balance"], json!(0.0));
        assert_eq!(r[1].data["note"], "1,2,3");
        // Tabs and pipes; a decimal comma only with semicolons.
        for (text, delimiter) in [
            ("id\tFirst Name\tn\nc-1\tAnn\t2,5\n", "tab"),
            ("id|First Name|n\nc-1|Ann|2,5\n", "pipe"),
        ] {
            let (r, e) = all(text, "export.csv", &columns);
            assert!(e.is_empty(), "{delimiter}: {e:?}");
            assert_eq!(
                r[0].data,
                json!({"first_name": "Ann", "n": "2,5"}),
                "{delimiter}"
            );
        }
        // A cell too many is told with the file's own separator.
        let (_, e) = all("id;a\nc-1;1;2\n", "export.csv", &columns);
        assert!(
            e[0].contains("a cell holding a semicolon needs double quotes"),
            "{e:?}"
        );
        // Commas in the header decide, whatever the cells hold; so do commas
        // only inside a quoted name.
        let (r, _) = all("id,note\nc-1,a;b;c\n", "export.csv", &columns);
        assert_eq!(r[0].data["note"], "a;b;c");
        let (r, _) = all("id;\"Name, First\"\nc-1;Ann\n", "export.csv", &columns);
        assert_eq!(r[0].data["Name, First"], "Ann");
        // One column is one column.
        let (r, _) = all("id\nc-1\n", "export.csv", &columns);
        assert_eq!(r[0].id, "c-1");
    }

    #[test]
    fn columns_the_header_surely_meant_otherwise_are_told() {
        let header = "Email Address,First Name,Tier\na@x.example,Ann,gold\n";
        let notes = |columns: &ProfileColumns| -> Vec<String> {
            unmatched_columns(header.as_bytes(), RecordFormat::Csv, "list.csv", columns)
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        let right = ProfileColumns::with_id("Email Address", &[("First Name", "first_name")]);
        assert!(notes(&right).is_empty(), "{:?}", notes(&right));
        let misspelt = ProfileColumns::with_id(
            "Email",
            &[
                ("First name", "first_name"),
                ("Loyalty Points", "loyalty.points"),
            ],
        );
        let n = notes(&misspelt);
        // The points column is another export's: nothing near it here.
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(n[0].starts_with("list.csv:1:1:"), "{}", n[0]);
        assert!(
            n[0].contains("`Email` as the id column") && n[0].contains("`Email Address`"),
            "{}",
            n[0]
        );
        assert!(n[0].contains("`list#17`"), "{}", n[0]);
        assert!(
            n[1].contains("(did you mean `First Name`?)") && n[1].contains("lacks `first_name`"),
            "{}",
            n[1]
        );
        // Records of JSON name their own fields.
        let json = unmatched_columns(
            "{}".as_bytes(),
            RecordFormat::JsonLines,
            "l.jsonl",
            &misspelt,
        );
        assert!(json.is_empty());
    }

    #[test]
    fn a_tsv_is_csv_and_a_packed_export_is_told_before_it_is_read() {
        assert_eq!(RecordFormat::of("list.TSV"), Some(RecordFormat::Csv));
        let (r, e) = all(
            "id\tFirst Name\nc-1\tAnn\n",
            "list.tsv",
            &ProfileColumns::default(),
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r[0].data, json!({"First Name": "Ann"}));
        let gz = unreadable_export("exports/list.csv.gz").expect("compressed");
        assert!(gz.contains("decompress it first"), "{gz}");
        assert!(
            gz.contains("`gunzip -c exports/list.csv.gz | mergeproof audit --profiles - --profiles-format csv`"),
            "{gz}"
        );
        let jsonl = unreadable_export("list.jsonl.xz").expect("compressed");
        assert!(
            jsonl.contains(
                "`xz -dc list.jsonl.xz | mergeproof audit --profiles - --profiles-format jsonl`"
            ),
            "{jsonl}"
        );
        let yaml = unreadable_export("list.yml.gz").expect("compressed");
        assert!(yaml.contains("--profiles-format yaml`"), "{yaml}");
        let unnamed = unreadable_export("list.gz").expect("compressed");
        assert!(
            unnamed.contains("--profiles-format <csv|jsonl|json|yaml>`"),
            "{unnamed}"
        );
        let zip = unreadable_export("list.zip").expect("an archive");
        assert!(zip.contains("unpack it"), "{zip}");
        let xlsx = unreadable_export("list.XLSX").expect("a workbook");
        assert!(xlsx.contains("save it as CSV (UTF-8)"), "{xlsx}");
        for readable in ["list.csv", "list.jsonl", "list.yaml", "list", "/dev/fd/63"] {
            assert_eq!(unreadable_export(readable), None, "{readable}");
        }
    }

    #[test]
    fn a_header_nested_too_deep_is_a_rejected_column() {
        for segments in [crate::limits::MAX_DEPTH + 1, 10_000, 100_000] {
            let deep = vec!["a"; segments].join(".");
            let (r, e) = all(
                &format!("id,first_name,{deep}\nc-1,Ann,2\n"),
                "exports/list.csv",
                &ProfileColumns::default(),
            );
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(
                e[0].starts_with(&format!(
                    "exports/list.csv:1:15: the header `a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.…` nests {segments} fields deep"
                )),
                "{e:?}"
            );
            assert_eq!(r.len(), 1);
            assert_eq!(r[0].data, json!({"first_name": "Ann"}));
        }
        let at_limit = vec!["a"; crate::limits::MAX_DEPTH].join(".");
        let (r, e) = all(
            &format!("id,{at_limit}\nc-1,2\n"),
            "exports/list.csv",
            &ProfileColumns::default(),
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(
            r[0].data
                .pointer(&format!("/{}", at_limit.replace('.', "/"))),
            Some(&json!(2))
        );
    }

    #[test]
    fn a_bad_row_is_located_and_the_rest_load() {
        let (r, e) = all(
            "Email Address,First Name\na@x.example,Ann\nb@x.example,Bo,extra\nc@x.example,Cy\n",
            "exports/list.csv",
            &ProfileColumns::with_id("Email Address", &[("First Name", "first_name")]),
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].id, "c@x.example");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("exports/list.csv:3:1: this row has 3 cells where the header has 2"),
            "{e:?}"
        );
    }

    #[test]
    fn lines_are_right_with_crlf_line_ends() {
        let (r, e) = all(
            "id,a\r\nx,1\r\ny,\"two\r\nlines\"\r\nz,3,4\r\nw,5\r\n",
            "export.csv",
            &ProfileColumns::default(),
        );
        let lines: Vec<u32> = r.iter().map(|r| r.loc.line).collect();
        assert_eq!(lines, [2, 3, 6]);
        assert!(e[0].starts_with("export.csv:5:1:"), "{e:?}");
    }

    #[test]
    fn an_endless_record_is_refused_while_it_is_read() {
        // 1 GiB that never ends its row: read no further than 8 MiB past it.
        let endless = || std::io::repeat(b'a').take(1 << 30);
        for (start, file) in [
            ("id,note\nc-1,fine\nc-2,\"", "export.csv"),
            (
                "[{\"id\": \"c-1\"},\n {\"id\": \"c-2\", \"note\": \"",
                "export.json",
            ),
        ] {
            let started = std::time::Instant::now();
            let (r, e) = all_of(
                start.as_bytes().chain(endless()),
                file,
                &ProfileColumns::default(),
            );
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "{file}"
            );
            assert_eq!(r.len(), 1, "{file}");
            assert_eq!(r[0].id, "c-1");
            assert_eq!(e.len(), 1, "{file}: {e:?}");
            assert!(e[0].contains("longer than 8 MiB"), "{e:?}");
            assert!(e[0].starts_with(&format!("{file}:")), "{e:?}");
        }
        // A long record within the limit still loads.
        let (r, e) = all_of(
            format!(
                "[{{\"id\": \"c-1\", \"note\": \"{}\"}}]",
                "a".repeat(4 << 20)
            )
            .as_bytes(),
            "export.json",
            &ProfileColumns::default(),
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn lines_are_right_with_cr_only_line_ends() {
        let (r, e) = all(
            "id,first_name\rc-1,Ann\rc-2,Bo,extra\rc-3,Cy\r",
            "export.csv",
            &ProfileColumns::default(),
        );
        let lines: Vec<u32> = r.iter().map(|r| r.loc.line).collect();
        assert_eq!(lines, [2, 4]);
        assert_eq!(r[1].data, json!({"first_name": "Cy"}));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("export.csv:3:1: this row has 3 cells"),
            "{e:?}"
        );
    }

    #[test]
    fn rows_without_an_id_are_numbered() {
        let (r, _) = all(
            "first_name\nAnn\nBo\n",
            "sample-profiles/list.csv",
            &ProfileColumns::default(),
        );
        let ids: Vec<&str> = r.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["list#1", "list#2"]);
    }

    #[test]
    fn a_csv_row_longer_than_any_profile_is_rejected_and_the_rest_loads() {
        let huge = "x".repeat(MAX_RECORD_BYTES);
        let text = format!("id,note\r\na,ok\r\nh,\"{huge}\nmore\"\r\nb,ok\r\n");
        let (r, e) = all(&text, "export.csv", &ProfileColumns::default());
        let loaded: Vec<(&str, u32)> = r.iter().map(|r| (r.id.as_str(), r.loc.line)).collect();
        assert_eq!(loaded, [("a", 2), ("b", 5)], "{e:?}");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("export.csv:3:1: this row is longer than 8 MiB"),
            "{e:?}"
        );
    }

    #[test]
    fn json_lines_refuse_a_huge_line_or_bytes_that_are_not_text_and_read_on() {
        let huge = format!(
            "{{\"id\": \"h\", \"note\": \"{}\"}}",
            "x".repeat(MAX_RECORD_BYTES)
        );
        let mut bytes = format!("{{\"id\": \"a\"}}\r\n{huge}\n").into_bytes();
        bytes.extend_from_slice(b"{\"id\": \"\xff\"}\n{\"id\": \"b\",\n{\"id\": \"c\"}");
        let mut records = Vec::new();
        let mut errors = Vec::new();
        read_records(
            bytes.as_slice(),
            RecordFormat::JsonLines,
            "braze.jsonl",
            &ProfileColumns::default(),
            &mut |r| match r {
                Ok(r) => records.push((r.id, r.loc.line)),
                Err(e) => errors.push(e.to_string()),
            },
        );
        // Every good line loads, at its own line, the last without a newline.
        assert_eq!(
            records,
            [("a".to_string(), 1), ("c".to_string(), 5)],
            "{errors:?}"
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("braze.jsonl:2:1: this line is longer than 8 MiB"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("braze.jsonl:3:1: this line is not UTF-8 text"),
            "{errors:?}"
        );
        // serde_json's own "at line 1 column 11" is not repeated.
        assert_eq!(
            errors[2],
            "braze.jsonl:4:11: this line ends inside its JSON (EOF while parsing a value): JSON Lines hold one whole object on each line"
        );
    }

    #[test]
    fn a_json_array_is_read_an_element_at_a_time_each_at_its_place() {
        let text = "\u{feff}[\n  {\"id\": \"a\",\n   \"first_name\": \"Ann\"},\n  {\"id\": \"b\"},\n  42,\n  {\"id\": \"c\"},\n  {\"id\": \"d\" \"oops\"},\n  {\"id\": \"e\"}\n]\n";
        let (r, e) = all(text, "export.json", &ProfileColumns::default());
        let loaded: Vec<(&str, u32, u32)> = r
            .iter()
            .map(|r| (r.id.as_str(), r.loc.line, r.loc.column))
            .collect();
        // The records before the syntax error load, each where it starts.
        assert_eq!(loaded, [("a", 2, 3), ("b", 4, 3), ("c", 6, 3)], "{e:?}");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("export.json:5:3: a profile is an object"),
            "{e:?}"
        );
        // serde_json's own "at line 7 column 14" is not repeated.
        assert_eq!(
            e[1],
            "export.json:7:14: not valid JSON: expected `,` or `}`"
        );
        // One object is one record; what follows the JSON is an error.
        let (r, e) = all("\n {\"id\": 7}", "one.json", &ProfileColumns::default());
        assert_eq!(
            (r[0].id.as_str(), r[0].loc.line, r[0].loc.column),
            ("7", 2, 2)
        );
        assert!(e.is_empty(), "{e:?}");
        let (r, e) = all("[{\"id\": 1}] [", "two.json", &ProfileColumns::default());
        assert_eq!(r.len(), 1);
        assert!(
            e[0].starts_with("two.json:1:13: not valid JSON: trailing characters"),
            "{e:?}"
        );
        let (r, e) = all("\"Ann\"", "text.json", &ProfileColumns::default());
        assert!(r.is_empty());
        assert!(
            e[0].starts_with("text.json:1:1: a profile is an object"),
            "{e:?}"
        );
    }

    #[test]
    fn json_lines_and_json() {
        let (r, e) = all(
            "{\"external_id\": \"u1\", \"first_name\": \"Ann\"}\n\n{\"external_id\": 2}\n{oops\n[1]\n",
            "braze.jsonl",
            &ProfileColumns::with_id("external_id", &[]),
        );
        assert_eq!(
            r.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["u1", "2"]
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("braze.jsonl:4:2: this line is not a JSON object"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("braze.jsonl:5:1: a profile is an object"),
            "{e:?}"
        );
        let (r, e) = all(
            "[{\"id\": \"a\"}, {\"first_name\": \"B\"}]",
            "data.json",
            &ProfileColumns::default(),
        );
        assert!(e.is_empty());
        assert_eq!(r[1].id, "data#2");
        let (_, e) = all("{\"a\": }", "bad.json", &ProfileColumns::default());
        assert!(e[0].starts_with("bad.json:1:7: not valid JSON"), "{e:?}");
    }

    /// A JSON record's field renamed to a path lands at that path, as a
    /// CSV column renamed so does, beside what the record holds there.
    #[test]
    fn a_json_field_renamed_to_a_path_lands_there() {
        let columns =
            ProfileColumns::with(&[("Tier", "loyalty.tier"), ("First Name", "first_name")]);
        let (r, e) = all(
            "{\"id\": \"a\", \"Tier\": \"gold\", \"loyalty\": {\"points\": 5}, \"First Name\": \"Ann\"}\n{\"id\": \"b\", \"Tier\": \"gold\", \"loyalty\": 7}\n",
            "list.jsonl",
            &columns,
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(
            r[0].data,
            serde_json::json!({"loyalty": {"points": 5, "tier": "gold"}, "first_name": "Ann"})
        );
        // A value that is not an object on the way: the renamed field is
        // kept out, as a CSV column would be.
        assert_eq!(r[1].data, serde_json::json!({"loyalty": 7}));
        let csv = all("id,Tier,First Name\na,gold,Ann\n", "list.csv", &columns);
        assert_eq!(
            csv.0[0].data,
            serde_json::json!({"loyalty": {"tier": "gold"}, "first_name": "Ann"})
        );
    }

    /// A JSON record's blank id is numbered, as a CSV row's empty id cell
    /// is; an id that is neither text nor a number is refused in the
    /// export's own name for its id column.
    #[test]
    fn a_blank_id_is_numbered_and_an_id_of_another_kind_is_named_as_the_export_names_it() {
        let columns = ProfileColumns::with_id("Email Address", &[]);
        let (r, e) = all(
            "{\"Email Address\": \"a@example.com\"}\n{\"Email Address\": \"\"}\n{\"Email Address\": \" \"}\n{\"Email Address\": [1]}\n",
            "list.jsonl",
            &columns,
        );
        assert_eq!(
            r.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a@example.com", "list#2", "list#3"]
        );
        assert_eq!(
            e,
            ["list.jsonl:4:1: the id `Email Address` must be a text or a number"]
        );
    }

    #[test]
    fn numbers_as_csv_writes_them() {
        for (cell, want) in [
            ("12", json!(12)),
            ("-3.50", json!(-3.5)),
            ("0.5", json!(0.5)),
            ("0", json!(0)),
        ] {
            assert_eq!(cell_value(cell), Some(want), "{cell}");
        }
        for text in [
            "007",
            "1e3",
            "+5",
            "1.",
            ".5",
            "12 ",
            "1,000",
            "12345678901234567890",
        ] {
            assert_eq!(cell_value(text), Some(Value::String(text.into())), "{text}");
        }
    }
}
