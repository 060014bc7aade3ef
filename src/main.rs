#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    kyc_desk::server::cli::main()
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build has no binary; see `lib.rs` for `hydrate()`.
}
