//! `oauth-flow`: log in to an OAuth 2.0 server once, then print a fresh bearer
//! token from any script.
//!
//! ```text
//! oauth-flow login --issuer https://as.example.com --client-id my-cli --scope read
//! curl -H "Authorization: Bearer $(oauth-flow token)" https://api.example.com/
//! ```
//!
//! Each profile is one file in the user's config directory, mode 0600 in a
//! 0700 folder, written atomically, with a lock file beside it (see
//! [`store`]). With the `keyring` feature, `login --keyring` keeps the file
//! sealed instead, with a key that only the OS keyring holds (see [`sealed`]
//! and [`keyring`]); the file says so, and every later command finds the
//! key there without the flag.

// A command-line tool talks to its user on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// `println!` for a command whose reader may go away (`oauth-flow status |
/// head -1`): a closed pipe ends the program quietly, instead of the panic
/// `println!` gives.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(error) = writeln!(std::io::stdout(), $($arg)*) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("oauth-flow: cannot write to standard output: {error}");
            std::process::exit(1);
        }
    }};
}

mod commands;
mod demo;
mod fail;
mod keyring;
#[cfg(all(test, feature = "keyring"))]
mod keyring_tests;
mod login;
mod sealed;
mod show;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::fail::{CliError, EXIT_CODES_HELP};
use crate::store::{Store, check_profile_name};

/// Log in to an OAuth 2.0 server once, then get a fresh bearer token from any script.
///
/// Tokens are stored per profile in the user's config directory, in files only the user
/// can read, and are only ever sent to the server that issued them. `login --keyring`
/// seals a profile's file with a key kept in the OS keyring instead.
#[derive(Debug, Parser)]
#[command(name = "oauth-flow", version, after_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// The profile to use: one login per profile.
    #[arg(long, global = true, default_value = "default", value_parser = profile_name)]
    profile: String,

    /// Where profiles are stored (default: the user's config directory).
    #[arg(long, global = true, env = "OAUTH_FLOW_STORE", value_name = "DIR")]
    store: Option<PathBuf>,

    /// Log each state change on stderr (never a secret); -vv adds the libraries' detail.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole flow against a built-in server on 127.0.0.1: no network, no account.
    Demo,
    /// Log in with a browser and store the tokens.
    Login(Box<LoginArgs>),
    /// Print a valid access token and nothing else, refreshing it first if needed.
    Token(TokenArgs),
    /// Show the stored login and where it is kept (never a secret).
    Status(JsonArg),
    /// Refresh the access token now.
    Refresh(JsonArg),
    /// Revoke the tokens at the server, then forget them (and their key in the keyring).
    Revoke,
    /// Forget the stored tokens (and their key in the keyring) without contacting the server.
    Logout,
    /// List the stored profiles and where each keeps its tokens: file or keyring.
    Profiles(JsonArg),
}

/// `login` options.
// Each flag is a separate switch a person types; an enum would not read better.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
struct LoginArgs {
    /// The authorization server's issuer URL, exactly as the server writes it.
    /// Without it, one --resource is required and the server is found from the
    /// resource (an MCP server, say): its protected resource metadata, then the
    /// authorization server's, then dynamic registration.
    #[arg(long, requires = "client_id")]
    issuer: Option<String>,
    /// The client ID registered at the server (needs --issuer: credentials are
    /// never sent to a server found some other way).
    #[arg(long, requires = "issuer")]
    client_id: Option<String>,
    /// With --resource and no --issuer: use this https URL of the client's
    /// metadata document as its client ID where the server supports that,
    /// instead of registering.
    #[arg(long, value_name = "URL", conflicts_with = "issuer")]
    client_metadata_document: Option<String>,
    /// Read the client secret from this environment variable (never pass it as an argument).
    #[arg(long, value_name = "VAR", conflicts_with = "client_secret_stdin")]
    client_secret_env: Option<String>,
    /// Read the client secret from the first line of standard input.
    #[arg(long)]
    client_secret_stdin: bool,
    /// A scope to ask for; repeat for several.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// A resource indicator (RFC 8707) to ask the token for; repeat for several.
    /// Without --issuer: the protected resource to log in for (once).
    #[arg(long = "resource", value_name = "URI")]
    resources: Vec<String>,
    /// With --issuer: another authorization request parameter, such as `prompt=consent`
    /// (which OpenID Providers need before they issue a refresh token for `offline_access`);
    /// repeat for several. The parameters the flow sets itself cannot be replaced.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = name_value)]
    params: Vec<(String, String)>,
    /// The loopback port to receive the redirect on (default: any free port).
    #[arg(long, value_name = "PORT")]
    redirect_port: Option<u16>,
    /// How to authenticate at the token endpoint (default: from the server's metadata).
    #[arg(long, value_enum)]
    auth_method: Option<AuthMethod>,
    /// A named relaxation for a server known to break a rule; repeat for several.
    /// s256-not-advertised: send PKCE S256 to a server that does not list it (Azure AD,
    /// AWS Cognito). missing-token-type-is-bearer: read a token response with no
    /// token type as Bearer (VK, LinkedIn).
    #[arg(long = "lenient", value_enum, value_name = "NAME")]
    lenient: Vec<Lenient>,
    /// Print the URL instead of opening a browser.
    #[arg(long)]
    no_browser: bool,
    /// Seconds to wait for the browser to come back.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,
    /// Seal the profile's file with a key kept in the OS keyring (macOS Keychain, Windows
    /// Credential Manager, Secret Service). Later commands find it without the flag. Needs
    /// a build with the `keyring` feature.
    #[arg(long, conflicts_with = "no_keyring")]
    keyring: bool,
    /// Keep the tokens in a plain file only you can read, the default for a new profile
    /// (a profile logged in with --keyring stays there unless this is given).
    #[arg(long)]
    no_keyring: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `token` options.
#[derive(Debug, Args)]
struct TokenArgs {
    /// Refresh first unless the token stays valid this many more seconds.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    min_valid: u64,
}

#[derive(Debug, Args)]
struct JsonArg {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Lenient {
    S256NotAdvertised,
    MissingTokenTypeIsBearer,
}

/// The named relaxations chosen with `--lenient`.
fn leniency(chosen: &[Lenient]) -> oauth_flow::Leniency {
    chosen.iter().fold(
        oauth_flow::Leniency::default(),
        |leniency, name| match name {
            Lenient::S256NotAdvertised => leniency.s256_not_advertised(),
            Lenient::MissingTokenTypeIsBearer => leniency.missing_token_type_is_bearer(),
        },
    )
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AuthMethod {
    None,
    ClientSecretPost,
    ClientSecretBasic,
}

fn name_value(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err("write it as NAME=VALUE, such as prompt=consent".into()),
    }
}

fn profile_name(name: &str) -> Result<String, String> {
    check_profile_name(name).map(|()| name.to_owned())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            error.exit_code()
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let store = || Store::open(cli.store.clone());
    match cli.command {
        Command::Demo => demo::run(),
        Command::Login(args) => login::run(&store()?, &cli.profile, &args),
        Command::Token(args) => commands::token(&store()?, &cli.profile, args.min_valid),
        Command::Status(args) => commands::status(&store()?, &cli.profile, args.json),
        Command::Refresh(args) => commands::refresh(&store()?, &cli.profile, args.json),
        Command::Revoke => commands::revoke(&store()?, &cli.profile),
        Command::Logout => commands::logout(&store()?, &cli.profile),
        Command::Profiles(args) => commands::profiles(&store()?, args.json),
    }
}

/// Logs go to stderr, so `token`'s stdout stays the token alone. The core and
/// the adapter log no secret at any level.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "oauth_flow=debug,oauth_flow_ureq=debug,warn",
        _ => "oauth_flow=trace,oauth_flow_ureq=trace,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("OAUTH_FLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
