// mimalloc: rendering and checking allocate many small strings and maps per
// cell, and the system allocator spent a quarter of `lint` and `audit` in
// malloc and free (perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mergeproof::cli::main()
}
