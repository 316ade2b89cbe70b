#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauth_flow_fuzz_targets::registration(data));
