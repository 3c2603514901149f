use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the import's two threads hand every row's
/// allocations from one to the other, and glibc spent 20% of the import in its arena
/// locks and free lists (100k rows: 21,800 -> 26,500 rows/s); the server's pages gained
/// 10-15%. `dossier serve` runs it with the settings in `cli::serve::ALLOCATOR_SETTINGS`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dossier::cli::main()
}
