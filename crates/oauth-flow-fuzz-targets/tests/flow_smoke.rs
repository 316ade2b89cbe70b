//! The whole-flow target on pseudo-random input, so a harness fault shows up
//! in `cargo test` before any fuzzer runs.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng as _};

#[test]
fn random_event_sequences_keep_the_model_and_the_flow_in_step() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    for _ in 0..300 {
        let mut data = vec![0u8; 64 + (rng.next_u32() % 2000) as usize];
        rng.fill_bytes(&mut data);
        oauth_flow_fuzz_targets::flow::run(&data);
    }
}
