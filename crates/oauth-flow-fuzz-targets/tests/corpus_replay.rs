//! Replays every committed fuzz input through its target, so that a plain
//! `cargo test` on stable runs what the fuzzers found: the minimized corpus
//! in `fuzz/corpus/<target>/` and the hand-written seeds (literal inputs of
//! real servers that broke other clients) in `fuzz/seeds/<target>/`.

use std::fs;
use std::path::{Path, PathBuf};

fn fuzz_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut replayed = 0;
    for (name, target) in oauth_flow_fuzz_targets::TARGETS {
        let dir = fuzz_dir(kind).join(name);
        // The whole-flow target's inputs are fuzzer-made: it has no seeds.
        if kind == "seeds" && !dir.exists() {
            continue;
        }
        let files = files(&dir);
        assert!(!files.is_empty(), "no {kind} for {name}");
        for file in files {
            let data = fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} failed on {}", file.display());
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_corpus_file_passes_its_target() {
    assert!(replay("corpus") > 0);
}

#[test]
fn every_seed_passes_its_target() {
    assert!(replay("seeds") > 0);
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let targets = fuzz_dir("fuzz_targets");
    for (name, _) in oauth_flow_fuzz_targets::TARGETS {
        assert!(targets.join(format!("{name}.rs")).is_file(), "{name}");
    }
}
