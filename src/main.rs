use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: glibc keeps an arena per thread that ever
/// allocated, and actix's worker and blocking threads made the server's memory grow to
/// ~84 MiB under load (53 MiB with MALLOC_ARENA_MAX=2).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dossier::cli::main()
}
