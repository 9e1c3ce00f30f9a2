// mimalloc: rendering and checking allocate many small strings and maps per
// cell, and the system allocator spent a quarter of `lint` and `audit` in
// malloc and free (perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    without_transparent_huge_pages();
    mergeproof::cli::main()
}

/// Asks Linux not to back this process's memory with transparent huge
/// pages. mimalloc asks for them on its arenas, and the kernel then zeroes
/// 2 MiB at the first touch of any byte of one, though a run touches its
/// arenas sparsely: zeroing pages was 6–17% of `lint`'s and `audit`'s CPU
/// time (perf, `clear_page_erms`). Without them (medians of five to seven
/// interleaved runs): `audit` of 100,000 real-size customers 5% less CPU
/// and wall time, `lint` of the small benchmark project 3% less CPU time,
/// the real-size project unchanged, and peak memory 10–13% lower.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag
    // of this process; it fails harmlessly on a kernel that lacks it.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
