//! Command-line definitions (clap derive). Only shapes live here; behaviour lives in
//! `commands::*`. Flag names are part of the public interface: keep them stable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const AFTER_HELP: &str = "\
Exit codes:
  0  success: everything valid / delivered / passed
  1  a check failed: invalid signature, failed delivery, failing lint check
  2  usage or input error: bad flag, unreadable or malformed input, missing secret

Secrets come from --secret, --secret-file, or the environment variable
CMZON_WEBHOOK_SECRET (fallback WEBHOOK_SECRET). They are never printed.";

#[derive(Debug, Parser)]
#[command(
    name = "cmzon-hook",
    version,
    about = "Sign, send, listen to, verify and lint CMzon WhatsApp Business webhooks",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// When to use colors: auto means stdout is a terminal and NO_COLOR is unset
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true, value_name = "WHEN")]
    pub color: ColorArg,

    /// Print only data and errors: no progress, no summaries on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (request headers, timings); repeat for more
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Config file [default: ./cmzon-hook.toml when present]; flags and env override it
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// `--color WHEN`: the flag's values; [`crate::terminal::ColorChoice`] is what the core uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for crate::terminal::ColorChoice {
    fn from(arg: ColorArg) -> Self {
        match arg {
            ColorArg::Auto => Self::Auto,
            ColorArg::Always => Self::Always,
            ColorArg::Never => Self::Never,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin
    #[command(after_help = "Exit codes: 0 signed; 2 unreadable input or no secret.")]
    Sign(SignArgs),
    /// List and render the built-in webhook payload fixtures
    #[command(
        subcommand,
        after_help = "Exit codes: 0 ok; 2 unknown fixture or bad --set."
    )]
    Fixtures(FixturesCommand),
    /// Sign and deliver fixtures or files to an endpoint, like CMzon does
    #[command(
        after_help = "Exit codes: 0 every delivery met --expect; 1 one did not (or failed); 2 usage/input error.",
        after_long_help = SEND_HELP
    )]
    Send(Box<SendArgs>),
    /// Run a local webhook endpoint that verifies, prints, captures and forwards events
    #[command(
        after_help = "Exit codes: 0 stopped by Ctrl-C (summary printed); 2 usage error or address in use; 130 second Ctrl-C."
    )]
    Listen(Box<ListenArgs>),
    /// Verify signatures of captured requests and explain failures
    #[command(
        after_help = "Exit codes: 0 all valid; 1 any invalid or unsigned; 2 unreadable input or usage error.",
        after_long_help = VERIFY_HELP
    )]
    Verify(VerifyArgs),
    /// Check an endpoint's HTTPS, certificate, latency and webhook security
    #[command(
        after_help = "Exit codes: 0 no check failed (--strict: none failed or warned); 1 otherwise; 2 usage error or unresolvable URL."
    )]
    Lint(Box<LintArgs>),
    /// Print a shell completion script
    #[command(after_help = "Exit codes: 0 printed; 2 unknown shell.")]
    Completions(CompletionsArgs),
    /// Print the man page (roff) for the whole tool
    #[command(after_help = "Exit codes: 0 printed.")]
    Man,
    /// Write a cmzon-hook.toml: interactively on a terminal, or from flags
    #[command(
        after_help = "Exit codes: 0 written; 2 no terminal and no flags, file exists (use --force), or bad values."
    )]
    Init(InitArgs),
    /// A tour on this machine: listen, send every fixture and a forgery, verify, lint
    #[command(
        after_help = "Exit codes: 0 every step passed; 1 a step failed; 2 usage error (e.g. --port in use).",
        after_long_help = DEMO_HELP
    )]
    Demo(DemoArgs),
}

/// Where the webhook secret comes from. Resolution order: --secret, --secret-file,
/// CMZON_WEBHOOK_SECRET, WEBHOOK_SECRET.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)
    #[arg(
        long,
        value_name = "SECRET",
        hide_default_value = true,
        conflicts_with = "secret_file"
    )]
    pub secret: Option<String>,

    /// Read the webhook secret from a file (one trailing newline is stripped)
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,

    /// Set when the config file, not a flag or the environment, gave the secret (or named an
    /// unset variable): messages name the real source.
    #[arg(skip)]
    pub from_config: Option<crate::webhook::secret::ConfigSecret>,
}

/// TLS options shared by every command that makes HTTPS requests.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// Trust this CA certificate (PEM) in addition to the system's trust store
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify TLS certificates (prints a warning)
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// File whose exact bytes are signed; `-` or nothing reads stdin
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,

    /// Print the full header line `X-Hub-Signature-256: sha256=...`
    #[arg(long)]
    pub header: bool,

    /// One JSON object on stdout: {"signature","header","bytes"}
    #[arg(long, conflicts_with = "header")]
    pub json: bool,

    #[command(flatten)]
    pub secret: SecretArgs,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// List fixture names, event kinds and descriptions
    #[command(after_long_help = crate::webhook::fixtures::TOKENS_HELP)]
    List {
        /// One JSON object per fixture (NDJSON) on stdout
        #[arg(long)]
        json: bool,
    },
    /// Render a fixture with fresh tokens and print it
    #[command(after_long_help = crate::webhook::fixtures::TOKENS_HELP)]
    Show {
        /// Fixture name (see `cmzon-hook fixtures list`)
        name: String,

        /// Override a value: dot path with numeric indices, e.g. entry.0.id=123 (repeatable).
        /// VALUE is JSON when it parses, else text; where the fixture has a string it stays a
        /// string unless JSON-quoted ('"..."')
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,

        /// Like --set, but VALUE is always JSON, even where the fixture has a string (applied
        /// after --set; repeatable)
        #[arg(long = "set-json", value_name = "PATH=JSON")]
        set_json: Vec<String>,

        /// Print compact JSON (the bytes `send` would deliver) instead of pretty JSON
        #[arg(long)]
        compact: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TamperArg {
    /// A well-formed sha256= signature that does not match
    BadSignature,
    /// No X-Hub-Signature-256 header at all
    NoSignature,
    /// Signed with a different, random secret
    WrongSecret,
    /// Correctly signed, then the body is changed after signing
    ModifiedBody,
}

/// `send --help`: payloads, what each delivery is, output and exit codes.
pub const SEND_HELP: &str = r#"Payloads:
  Each argument is `-` (stdin, once), a fixture name (`cmzon-hook fixtures list`; write ./NAME
  for a file of that name), a directory (its *.json files, in name order) or a file. Files and
  stdin are sent byte for byte; fixtures are rendered compact with fresh ids and timestamps for
  every delivery; a capture given as a payload (JSONL, HAR, raw HTTP) is refused with a hint to
  use --from-capture, which adds every request of a capture (FILE#7, FILE#3-5 or FILE#2,7:
  only those, numbered as listen printed them). With no payload, a terminal offers a fuzzy
  picker over the fixtures; without a terminal, send exits 2 listing them.

Each delivery:
  POST with Content-Type: application/json, User-Agent: cmzon-hook/VERSION, Accept: */*, and
  X-Hub-Signature-256 over the exact body bytes; --header values replace defaults of the same
  name. --duplicate N re-sends the very same bytes and signature N more times. --retries
  retries connection errors, timeouts and 5xx with the same bytes after --backoff-ms x 2^(k-1),
  jittered to 50-100% (at most 60 s). A 3xx is a failed delivery and is never followed.
  HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY are honoured. Plain HTTP to another machine
  gets a warning; over 100 requests to another machine ask for confirmation on a terminal
  (--yes skips it; without a terminal there is no question).

Output:
  Up to 20 deliveries: one line each on stdout (#N SOURCE → STATUS · LATENCY); more: none
  unless -v. The summary goes to stderr (deliveries, status classes, errors by kind, retries,
  duplicates, throughput, latency min/p50/p95/p99/max); -q hides it. A progress bar shows on
  stderr when it is a terminal and there is more than one delivery. --json prints one object
  per delivery on stdout, then one {"summary":{...}}:
    {"n":1,"source":"messages","attempts":1,"status":200,"latency_ms":3.1,"ok":true,"error":null}
  latency_ms is the last attempt's. --dry-run prints each request (request line, headers,
  body; a blank line between requests, or NDJSON with --json) and sends nothing.

Exit codes:
  0 every delivery's final status meets --expect (default 2xx; with --tamper 4xx, since an
  endpoint that rejects a forgery is correct); 1 otherwise (including
  timeouts, refused connections, unresolvable hosts, TLS failures and redirects); 2 usage or
  input errors.

Examples:
  cmzon-hook send messages --to http://127.0.0.1:3000/webhook
  cmzon-hook send payloads/ --to https://example.com/webhook --count 100 -c 8 --rate 50
  cmzon-hook send messages --tamper bad-signature --to "$URL"   # exit 0 when rejected (4xx)
  cmzon-hook send --from-capture capture.jsonl --to http://127.0.0.1:8080/webhook"#;

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Fixture names, JSON files, directories of JSON files, or `-` for stdin
    #[arg(value_name = "FIXTURE|FILE|DIR")]
    pub payloads: Vec<String>,

    /// Endpoint URL (or env CMZON_WEBHOOK_URL)
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,

    /// Override a value in each payload: dot path with numeric indices (repeatable). VALUE is
    /// JSON when it parses, else text; where the payload has a string it stays a string
    /// unless JSON-quoted ('"..."')
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,

    /// Like --set, but VALUE is always JSON, even where the payload has a string (applied
    /// after --set; repeatable)
    #[arg(long = "set-json", value_name = "PATH=JSON")]
    pub set_json: Vec<String>,

    /// Extra request header 'Name: value' (repeatable)
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    #[command(flatten)]
    pub secret: SecretArgs,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Seconds before a delivery is abandoned (CMzon's limit is 30)
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Retry connection errors, timeouts and 5xx this many times
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,

    /// Base backoff between retries in milliseconds (exponential, with jitter)
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub backoff_ms: u64,

    /// After each delivery, deliver the very same event N more times
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub duplicate: u32,

    /// Repeat the whole payload set N times
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u64,

    /// Deliveries in flight at once
    #[arg(long, short = 'c', value_name = "C", default_value_t = 1)]
    pub concurrency: usize,

    /// Steady rate limit in deliveries per second
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,

    /// Replay every request of a capture (JSONL, HAR or raw HTTP), re-signed; from a HAR only
    /// the POSTs with a body (the rest are skipped with a count on stderr); FILE#7, FILE#3-5 or
    /// FILE#2,7 replays only those (listen's #N, verify's FILE#N)
    #[arg(long, value_name = "FILE[#N]")]
    pub from_capture: Option<PathBuf>,

    /// With --from-capture: send the captured signature instead of re-signing
    #[arg(long, requires = "from_capture")]
    pub keep_signature: bool,

    /// Exit 0 only when every final status matches: 2xx, 4xx, 5xx or an exact code
    /// [default: 2xx; 4xx with --tamper]
    #[arg(long, value_name = "2xx|4xx|5xx|CODE")]
    pub expect: Option<String>,

    /// Send deliberately invalid deliveries (then --expect defaults to 4xx: the endpoint must
    /// reject them)
    #[arg(long, value_enum, value_name = "KIND")]
    pub tamper: Option<TamperArg>,

    /// Print the exact request(s) without sending
    #[arg(long)]
    pub dry_run: bool,

    /// NDJSON on stdout: one object per delivery, then a summary object
    #[arg(long)]
    pub json: bool,

    /// Do not ask for confirmation before large sends to non-loopback hosts
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Address to bind
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port to bind (0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 3000)]
    pub port: u16,

    /// Path that receives webhooks
    #[arg(long, default_value = "/webhook")]
    pub path: String,

    #[command(flatten)]
    pub secret: SecretArgs,

    /// Answer 200 even to events with an invalid or missing signature (no effect with --forward-to: the app answers)
    #[arg(long)]
    pub accept_invalid: bool,

    /// Answer the GET verification handshake when hub.verify_token matches
    #[arg(long, value_name = "TOKEN")]
    pub verify_token: Option<String>,

    /// Print the full pretty JSON body under each event line
    #[arg(long)]
    pub raw: bool,

    /// One NDJSON object per request on stdout instead of pretty lines (with verify's reason,
    /// hint and diagnosis)
    #[arg(long)]
    pub json: bool,

    /// Append every POST, byte-exact, to this capture file (JSONL); numbers (#N) continue after its last request
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    /// Forward every POST, invalid ones included (exact body and headers), to this URL and relay the app's answer; listen's verdict is printed next to the app's status and disagreements are flagged
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,

    /// Answer every POST with this status code
    #[arg(long, value_name = "CODE")]
    pub status: Option<u16>,

    /// Wait this many milliseconds before answering
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub delay: u64,

    /// Largest accepted body in bytes; larger bodies get 413
    #[arg(long, value_name = "BYTES", default_value_t = 3 * 1024 * 1024)]
    pub max_body: u64,

    /// Worker threads handling requests
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub workers: usize,

    /// Seconds to wait for the app's answer to a forwarded request (CMzon's limit is 30)
    #[arg(
        long = "forward-timeout",
        alias = "timeout",
        value_name = "SECS",
        default_value_t = 30.0
    )]
    pub timeout: f64,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Open a web inspector on this machine (http://127.0.0.1:4041/ by default): every request
    /// live, its headers, exact body and signature verdict, diffs, replays and exports. It
    /// listens on 127.0.0.1 only, even with --host 0.0.0.0, and never shows the secret
    #[arg(long)]
    pub ui: bool,

    /// Port of the web inspector (0 picks a free one); needs --ui
    #[arg(long, value_name = "PORT", default_value_t = 4041, requires = "ui")]
    pub ui_port: u16,
}

/// `verify --help`: formats, output and the exit policy.
pub const VERIFY_HELP: &str = "\
Captures are detected from their content: cmzon-hook JSONL (`listen --save`), HAR 1.2
(browser devtools, mitmproxy, Charles) or raw HTTP/1.1 requests (`nc -l 3000 > req.http`),
several pipelined requests per file allowed. `-` reads a capture from stdin. Only a HAR
entry that is a POST with a body is a webhook delivery: the others (a devtools export holds
every request of the page, `GET /app.js`) are skipped with a count on stderr and not counted;
a HAR with no such POST cannot be verified (exit 2).

Each request gets one line on stdout: its source (file#N for a listen capture, N being the
#N listen printed; file:line for a JSONL line without an id; file#N for HAR entries and raw
requests; `send --from-capture file#N` replays it), ✓ or ✗, the events it carries and, on
failure, why: when the signature matches a changed body (re-serialized JSON, escaping, newlines stripped by curl -d, CRLF,
or several of these at once) or a secret with stray whitespace, or the signature itself was
altered or truncated, the line says which, and an indented hint line follows. A sha1=
signature alone (X-Hub-Signature) is never valid: it is reported as a legacy sha1 signature
that matches or not, since CMzon signs with sha256. The summary goes to stderr (not with -q).

Exit status: 0 when every request is valid; 1 when any is invalid or unsigned; 2 when a file,
or a request in it, cannot be read (the readable requests are still verified and reported),
or on usage errors such as a missing secret.";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Capture files: cmzon-hook JSONL, HAR 1.2, or a raw HTTP request
    #[arg(value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,

    /// Verify a single body (file or `-` for stdin) instead of captures
    #[arg(
        long,
        value_name = "FILE|-",
        conflicts_with = "captures",
        requires = "signature"
    )]
    pub body: Option<String>,

    /// The signature header value to check against --body, e.g. sha256=...
    #[arg(long, value_name = "VALUE", requires = "body")]
    pub signature: Option<String>,

    /// One JSON object per request on stdout
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub secret: SecretArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Endpoint URL to check (or env CMZON_WEBHOOK_URL)
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    #[command(flatten)]
    pub secret: SecretArgs,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Verify token, enables the handshake check
    #[arg(long, value_name = "TOKEN")]
    pub verify_token: Option<String>,

    /// Treat plain HTTP on a loopback host as a warning instead of a failure
    #[arg(long)]
    pub allow_http: bool,

    /// Number of signed latency probes
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub probes: u32,

    /// Seconds before a probe counts as timed out (CMzon's limit is 30)
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Warn when p50 or p95 latency exceeds this many milliseconds
    #[arg(long, value_name = "MS")]
    pub budget: Option<u64>,

    /// Run only these checks (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub only: Vec<String>,

    /// Skip these checks (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub skip: Vec<String>,

    /// One JSON document on stdout
    #[arg(long)]
    pub json: bool,

    /// Write a JUnit XML report to FILE
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Exit 1 on warnings too (including checks that did not run for want of the secret)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Endpoint URL that send and lint use by default
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Name of the environment variable that holds the secret
    #[arg(long, value_name = "NAME", conflicts_with = "secret_file")]
    pub secret_env: Option<String>,

    /// File that holds the secret
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,

    /// Verify token for the GET handshake (listen and lint)
    #[arg(long, value_name = "TOKEN")]
    pub verify_token: Option<String>,

    /// Port `listen` binds by default
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Path `listen` serves by default
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,

    /// Where to write [default: the --config path, else ./cmzon-hook.toml]
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing file
    #[arg(long, short = 'f')]
    pub force: bool,

    /// Print {"path","config"} as JSON on stdout instead of the path
    #[arg(long)]
    pub json: bool,
}

/// `demo --help`: the four steps, output and exit codes.
pub const DEMO_HELP: &str = r#"Steps (nothing to set up: no secret, no URL, no config file is read):
  1. listen: an endpoint in this process on 127.0.0.1 (--port, default a free one), with a
     fresh random secret and verify token (never shown), saving every POST to a temporary
     capture file
  2. send: every fixture once, correctly signed and expected to get 2xx, then one forged
     delivery (the `messages` fixture signed with a wrong secret) expected to get 401; the
     endpoint's lines show as they arrive, each followed by what the sender got
  3. verify: the capture is read back and checked: every delivery is there byte for byte,
     the fixtures' signatures are valid and the forged one's is not
  4. lint: the endpoint is checked like `cmzon-hook lint --allow-http` (plain HTTP on
     loopback is a warning, not a failure)

Output:
  Event lines, sender lines, the verification line and the lint table on stdout; step
  headings and the closing notes on stderr (-q hides them). --json prints one JSON document
  on stdout instead, once the tour is over:
    {"ok":true,"failed_steps":[],"url":"http://127.0.0.1:PORT/webhook",
     "deliveries":[{"n":1,"fixture":"messages","kind":"message","forged":false,
                    "status":200,"latency_ms":1.2,"ok":true,"error":null},...],
     "requests":[...the endpoint's `listen --json` objects for step 2...],
     "capture":{"path":null,"secret_file":null,"verify_command":null,"requests":25,
                "valid":24,"invalid":1,"ok":true,"problems":[]},
     "lint":{...the `lint --json` document...}}
  "capture.path" is set with --keep, which keeps the capture file (it also holds lint's
  probes) instead of deleting it, and the demo's random secret beside it in a file only you
  can read ("capture.secret_file"); "capture.verify_command" is the `cmzon-hook verify
  CAPTURE --secret-file FILE` command that checks the capture with it.

Exit codes:
  0 every step passed; 1 a step failed (the error names it); 2 usage errors."#;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Port for the demo endpoint (0 picks a free one)
    #[arg(long, short = 'p', value_name = "PORT", default_value_t = 0)]
    pub port: u16,

    /// Keep the capture file and the random secret (a 0600 file beside it); print how to verify it
    #[arg(long)]
    pub keep: bool,

    /// One JSON document on stdout at the end instead of the tour's lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn secret_flags_conflict() {
        let r = Cli::try_parse_from(["cmzon-hook", "sign", "--secret", "a", "--secret-file", "b"]);
        assert!(r.is_err());
    }
}
