//! `oauth-flow-testkit`: starts the test authorization server on loopback, prints where
//! it listens, and serves until Ctrl-C.

use std::io::{self, Write as _};

use oauth_flow_testkit::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_REDIRECT_URI,
    ServerConfig, TestServer,
};

fn main() -> io::Result<()> {
    let server = TestServer::try_start(ServerConfig::default())?;

    let mut out = io::stdout().lock();
    writeln!(out, "{}", server.base_url())?;
    writeln!(out, "issuer:          {}", server.issuer())?;
    writeln!(out, "metadata:        {}", server.metadata_url())?;
    writeln!(out, "resource:        {}", server.resource_url())?;
    writeln!(
        out,
        "public client:   {DEMO_CLIENT_ID} (redirect {DEMO_REDIRECT_URI}, any port)"
    )?;
    writeln!(
        out,
        "confidential:    {DEMO_CONFIDENTIAL_CLIENT_ID} / {DEMO_CLIENT_SECRET}"
    )?;
    writeln!(out, "Ctrl-C stops the server.")?;
    out.flush()?;
    drop(out);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    server.shutdown();
    Ok(())
}
