//! Benchmarks for oauth-flow, measured side by side with the `oauth2` crate. The benches live
//! in `benches/`; this library holds the inputs they share.
