
use builtin;
use str;

set edit:completion:arg-completer[cmzon-hook] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cmzon-hook'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cmzon-hook'= {
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand sign 'Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin'
            cand fixtures 'List and render the built-in webhook payload fixtures'
            cand send 'Sign and deliver fixtures or files to an endpoint, like CMzon does'
            cand listen 'Run a local webhook endpoint that verifies, prints, captures and forwards events'
            cand verify 'Verify signatures of captured requests and explain failures'
            cand lint 'Check an endpoint''s HTTPS, certificate, latency and webhook security'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff) for the whole tool'
            cand init 'Write a cmzon-hook.toml: interactively on a terminal, or from flags'
            cand demo 'A tour on this machine: listen, send every fixture and a forgery, verify, lint'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cmzon-hook;sign'= {
            cand --secret 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)'
            cand --secret-file 'Read the webhook secret from a file (one trailing newline is stripped)'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --header 'Print the full header line `X-Hub-Signature-256: sha256=...`'
            cand --json 'One JSON object on stdout: {"signature","header","bytes"}'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;fixtures'= {
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List fixture names, event kinds and descriptions'
            cand show 'Render a fixture with fresh tokens and print it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cmzon-hook;fixtures;list'= {
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --json 'One JSON object per fixture (NDJSON) on stdout'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;fixtures;show'= {
            cand --set 'Override a value: dot path with numeric indices, e.g. entry.0.id=123 (repeatable). VALUE is JSON when it parses, else text; where the fixture has a string it stays a string unless JSON-quoted (''"..."'')'
            cand --set-json 'Like --set, but VALUE is always JSON, even where the fixture has a string (applied after --set; repeatable)'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --compact 'Print compact JSON (the bytes `send` would deliver) instead of pretty JSON'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;fixtures;help'= {
            cand list 'List fixture names, event kinds and descriptions'
            cand show 'Render a fixture with fresh tokens and print it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cmzon-hook;fixtures;help;list'= {
        }
        &'cmzon-hook;fixtures;help;show'= {
        }
        &'cmzon-hook;fixtures;help;help'= {
        }
        &'cmzon-hook;send'= {
            cand --to 'Endpoint URL (or env CMZON_WEBHOOK_URL)'
            cand --set 'Override a value in each payload: dot path with numeric indices (repeatable). VALUE is JSON when it parses, else text; where the payload has a string it stays a string unless JSON-quoted (''"..."'')'
            cand --set-json 'Like --set, but VALUE is always JSON, even where the payload has a string (applied after --set; repeatable)'
            cand -H 'Extra request header ''Name: value'' (repeatable)'
            cand --header 'Extra request header ''Name: value'' (repeatable)'
            cand --secret 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)'
            cand --secret-file 'Read the webhook secret from a file (one trailing newline is stripped)'
            cand --ca-cert 'Trust this CA certificate (PEM) in addition to the system''s trust store'
            cand --timeout 'Seconds before a delivery is abandoned (CMzon''s limit is 30)'
            cand --retries 'Retry connection errors, timeouts and 5xx this many times'
            cand --backoff-ms 'Base backoff between retries in milliseconds (exponential, with jitter)'
            cand --duplicate 'After each delivery, deliver the very same event N more times'
            cand --count 'Repeat the whole payload set N times'
            cand -c 'Deliveries in flight at once'
            cand --concurrency 'Deliveries in flight at once'
            cand --rate 'Steady rate limit in deliveries per second'
            cand --from-capture 'Replay every request of a capture (JSONL, HAR or raw HTTP), re-signed; from a HAR only the POSTs with a body (the rest are skipped with a count on stderr); FILE#7, FILE#3-5 or FILE#2,7 replays only those (listen''s #N, verify''s FILE#N)'
            cand --expect 'Exit 0 only when every final status matches: 2xx, 4xx, 5xx or an exact code [default: 2xx; 4xx with --tamper]'
            cand --tamper 'Send deliberately invalid deliveries (then --expect defaults to 4xx: the endpoint must reject them)'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --insecure 'Do not verify TLS certificates (prints a warning)'
            cand --keep-signature 'With --from-capture: send the captured signature instead of re-signing'
            cand --dry-run 'Print the exact request(s) without sending'
            cand --json 'NDJSON on stdout: one object per delivery, then a summary object'
            cand -y 'Do not ask for confirmation before large sends to non-loopback hosts'
            cand --yes 'Do not ask for confirmation before large sends to non-loopback hosts'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;listen'= {
            cand --host 'Address to bind'
            cand -p 'Port to bind (0 picks a free one)'
            cand --port 'Port to bind (0 picks a free one)'
            cand --path 'Path that receives webhooks'
            cand --secret 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)'
            cand --secret-file 'Read the webhook secret from a file (one trailing newline is stripped)'
            cand --verify-token 'Answer the GET verification handshake when hub.verify_token matches'
            cand --save 'Append every POST, byte-exact, to this capture file (JSONL); numbers (#N) continue after its last request'
            cand --forward-to 'Forward every POST, invalid ones included (exact body and headers), to this URL and relay the app''s answer; listen''s verdict is printed next to the app''s status and disagreements are flagged'
            cand --status 'Answer every POST with this status code'
            cand --delay 'Wait this many milliseconds before answering'
            cand --max-body 'Largest accepted body in bytes; larger bodies get 413'
            cand --workers 'Worker threads handling requests'
            cand --forward-timeout 'Seconds to wait for the app''s answer to a forwarded request (CMzon''s limit is 30)'
            cand --ca-cert 'Trust this CA certificate (PEM) in addition to the system''s trust store'
            cand --ui-port 'Port of the web inspector (0 picks a free one); needs --ui'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --accept-invalid 'Answer 200 even to events with an invalid or missing signature (no effect with --forward-to: the app answers)'
            cand --raw 'Print the full pretty JSON body under each event line'
            cand --json 'One NDJSON object per request on stdout instead of pretty lines (with verify''s reason, hint and diagnosis)'
            cand --insecure 'Do not verify TLS certificates (prints a warning)'
            cand --ui 'Open a web inspector on this machine (http://127.0.0.1:4041/ by default): every request live, its headers, exact body and signature verdict, diffs, replays and exports. It listens on 127.0.0.1 only, even with --host 0.0.0.0, and never shows the secret'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;verify'= {
            cand --body 'Verify a single body (file or `-` for stdin) instead of captures'
            cand --signature 'The signature header value to check against --body, e.g. sha256=...'
            cand --secret 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)'
            cand --secret-file 'Read the webhook secret from a file (one trailing newline is stripped)'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --json 'One JSON object per request on stdout'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;lint'= {
            cand --secret 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)'
            cand --secret-file 'Read the webhook secret from a file (one trailing newline is stripped)'
            cand --ca-cert 'Trust this CA certificate (PEM) in addition to the system''s trust store'
            cand --verify-token 'Verify token, enables the handshake check'
            cand --probes 'Number of signed latency probes'
            cand --timeout 'Seconds before a probe counts as timed out (CMzon''s limit is 30)'
            cand --budget 'Warn when p50 or p95 latency exceeds this many milliseconds'
            cand --only 'Run only these checks (comma-separated ids)'
            cand --skip 'Skip these checks (comma-separated ids)'
            cand --junit 'Write a JUnit XML report to FILE'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --insecure 'Do not verify TLS certificates (prints a warning)'
            cand --allow-http 'Treat plain HTTP on a loopback host as a warning instead of a failure'
            cand --json 'One JSON document on stdout'
            cand --strict 'Exit 1 on warnings too (including checks that did not run for want of the secret)'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;completions'= {
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;man'= {
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;init'= {
            cand --url 'Endpoint URL that send and lint use by default'
            cand --secret-env 'Name of the environment variable that holds the secret'
            cand --secret-file 'File that holds the secret'
            cand --verify-token 'Verify token for the GET handshake (listen and lint)'
            cand --port 'Port `listen` binds by default'
            cand --path 'Path `listen` serves by default'
            cand -o 'Where to write [default: the --config path, else ./cmzon-hook.toml]'
            cand --output 'Where to write [default: the --config path, else ./cmzon-hook.toml]'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand -f 'Overwrite an existing file'
            cand --force 'Overwrite an existing file'
            cand --json 'Print {"path","config"} as JSON on stdout instead of the path'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;demo'= {
            cand -p 'Port for the demo endpoint (0 picks a free one)'
            cand --port 'Port for the demo endpoint (0 picks a free one)'
            cand --color 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset'
            cand --config 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it'
            cand --keep 'Keep the capture file and the random secret (a 0600 file beside it); print how to verify it'
            cand --json 'One JSON document on stdout at the end instead of the tour''s lines'
            cand -q 'Print only data and errors: no progress, no summaries on stderr'
            cand --quiet 'Print only data and errors: no progress, no summaries on stderr'
            cand -v 'Print more detail (request headers, timings); repeat for more'
            cand --verbose 'Print more detail (request headers, timings); repeat for more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cmzon-hook;help'= {
            cand sign 'Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin'
            cand fixtures 'List and render the built-in webhook payload fixtures'
            cand send 'Sign and deliver fixtures or files to an endpoint, like CMzon does'
            cand listen 'Run a local webhook endpoint that verifies, prints, captures and forwards events'
            cand verify 'Verify signatures of captured requests and explain failures'
            cand lint 'Check an endpoint''s HTTPS, certificate, latency and webhook security'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff) for the whole tool'
            cand init 'Write a cmzon-hook.toml: interactively on a terminal, or from flags'
            cand demo 'A tour on this machine: listen, send every fixture and a forgery, verify, lint'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cmzon-hook;help;sign'= {
        }
        &'cmzon-hook;help;fixtures'= {
            cand list 'List fixture names, event kinds and descriptions'
            cand show 'Render a fixture with fresh tokens and print it'
        }
        &'cmzon-hook;help;fixtures;list'= {
        }
        &'cmzon-hook;help;fixtures;show'= {
        }
        &'cmzon-hook;help;send'= {
        }
        &'cmzon-hook;help;listen'= {
        }
        &'cmzon-hook;help;verify'= {
        }
        &'cmzon-hook;help;lint'= {
        }
        &'cmzon-hook;help;completions'= {
        }
        &'cmzon-hook;help;man'= {
        }
        &'cmzon-hook;help;init'= {
        }
        &'cmzon-hook;help;demo'= {
        }
        &'cmzon-hook;help;help'= {
        }
    ]
    $completions[$command]
}
