//! The `cadence` binary.

/// mimalloc instead of glibc's malloc: under booking load a quarter of the server's CPU
/// samples were in glibc's allocator (`_int_malloc`, `_int_free`, `malloc_consolidate`;
/// `perf record` under `scripts/bench.sh`). Measured in the README's performance section.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cadence_server::cli::main()
}
