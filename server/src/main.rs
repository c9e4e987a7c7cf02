//! The `cadence` binary.

fn main() -> std::process::ExitCode {
    cadence_server::cli::main()
}
