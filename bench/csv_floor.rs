//! The ingest floor for `bench/audit.sh`: only parsing a CSV export with the
//! csv crate, every record read and nothing done with it.
//!
//!     cargo run --release --example csv-floor -- FILE

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: csv-floor FILE");
        std::process::exit(2);
    };
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let mut reader = csv::Reader::from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let mut record = csv::StringRecord::new();
    let (mut rows, mut cells) = (0u64, 0u64);
    while reader.read_record(&mut record).unwrap_or(false) {
        rows += 1;
        cells += record.len() as u64;
    }
    println!("{rows} rows, {cells} cells");
}
