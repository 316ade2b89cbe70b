//! Writes the snapshot seeds (one per state) that the fuzz corpus started
//! from. Run by hand: `cargo test -p oauth-flow-fuzz-targets --test seeds --
//! --ignored`, then merge `fuzz/seeds/` into the corpus with `cargo fuzz cmin`.

use std::fs;
use std::path::Path;

#[test]
#[ignore = "writes seed files under fuzz/seeds; run by hand"]
fn write_snapshot_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/snapshot");
    fs::create_dir_all(&dir).unwrap();
    for state in oauth_flow_fuzz_targets::flow::every_state() {
        let text = state.to_snapshot().unwrap();
        fs::write(dir.join(state.name()), text.as_bytes()).unwrap();
    }
}
