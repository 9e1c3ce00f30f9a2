fn main() -> std::process::ExitCode {
    mergeproof::cli::main()
}
