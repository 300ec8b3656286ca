# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cmzon_hook_global_optspecs
    string join \n color= q/quiet v/verbose config= h/help V/version
end

function __fish_cmzon_hook_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cmzon_hook_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cmzon_hook_using_subcommand
    set -l cmd (__fish_cmzon_hook_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "sign" -d 'Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "fixtures" -d 'List and render the built-in webhook payload fixtures'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "send" -d 'Sign and deliver fixtures or files to an endpoint, like CMzon does'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "listen" -d 'Run a local webhook endpoint that verifies, prints, captures and forwards events'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "verify" -d 'Verify signatures of captured requests and explain failures'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "lint" -d 'Check an endpoint\'s HTTPS, certificate, latency and webhook security'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "man" -d 'Print the man page (roff) for the whole tool'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "init" -d 'Write a cmzon-hook.toml: interactively on a terminal, or from flags'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "demo" -d 'A tour on this machine: listen, send every fixture and a forgery, verify, lint'
complete -c cmzon-hook -n "__fish_cmzon_hook_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -l secret -d 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -l secret-file -d 'Read the webhook secret from a file (one trailing newline is stripped)' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -l header -d 'Print the full header line `X-Hub-Signature-256: sha256=...`'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -l json -d 'One JSON object on stdout: {"signature","header","bytes"}'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand sign" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -f -a "list" -d 'List fixture names, event kinds and descriptions'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -f -a "show" -d 'Render a fixture with fresh tokens and print it'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and not __fish_seen_subcommand_from list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -l json -d 'One JSON object per fixture (NDJSON) on stdout'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l set -d 'Override a value: dot path with numeric indices, e.g. entry.0.id=123 (repeatable). VALUE is JSON when it parses, else text; where the fixture has a string it stays a string unless JSON-quoted (\'"..."\')' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l set-json -d 'Like --set, but VALUE is always JSON, even where the fixture has a string (applied after --set; repeatable)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l compact -d 'Print compact JSON (the bytes `send` would deliver) instead of pretty JSON'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "list" -d 'List fixture names, event kinds and descriptions'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "show" -d 'Render a fixture with fresh tokens and print it'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l to -d 'Endpoint URL (or env CMZON_WEBHOOK_URL)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l set -d 'Override a value in each payload: dot path with numeric indices (repeatable). VALUE is JSON when it parses, else text; where the payload has a string it stays a string unless JSON-quoted (\'"..."\')' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l set-json -d 'Like --set, but VALUE is always JSON, even where the payload has a string (applied after --set; repeatable)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s H -l header -d 'Extra request header \'Name: value\' (repeatable)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l secret -d 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l secret-file -d 'Read the webhook secret from a file (one trailing newline is stripped)' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l ca-cert -d 'Trust this CA certificate (PEM) in addition to the system\'s trust store' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l timeout -d 'Seconds before a delivery is abandoned (CMzon\'s limit is 30)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l retries -d 'Retry connection errors, timeouts and 5xx this many times' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l backoff-ms -d 'Base backoff between retries in milliseconds (exponential, with jitter)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l duplicate -d 'After each delivery, deliver the very same event N more times' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l count -d 'Repeat the whole payload set N times' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s c -l concurrency -d 'Deliveries in flight at once' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l rate -d 'Steady rate limit in deliveries per second' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l from-capture -d 'Replay every request of a capture (JSONL, HAR or raw HTTP), re-signed; from a HAR only the POSTs with a body (the rest are skipped with a count on stderr); FILE#7, FILE#3-5 or FILE#2,7 replays only those (listen\'s #N, verify\'s FILE#N)' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l expect -d 'Exit 0 only when every final status matches: 2xx, 4xx, 5xx or an exact code [default: 2xx; 4xx with --tamper]' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l tamper -d 'Send deliberately invalid deliveries (then --expect defaults to 4xx: the endpoint must reject them)' -r -f -a "bad-signature\t'A well-formed sha256= signature that does not match'
no-signature\t'No X-Hub-Signature-256 header at all'
wrong-secret\t'Signed with a different, random secret'
modified-body\t'Correctly signed, then the body is changed after signing'"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l insecure -d 'Do not verify TLS certificates (prints a warning)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l keep-signature -d 'With --from-capture: send the captured signature instead of re-signing'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l dry-run -d 'Print the exact request(s) without sending'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -l json -d 'NDJSON on stdout: one object per delivery, then a summary object'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s y -l yes -d 'Do not ask for confirmation before large sends to non-loopback hosts'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand send" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l host -d 'Address to bind' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -s p -l port -d 'Port to bind (0 picks a free one)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l path -d 'Path that receives webhooks' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l secret -d 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l secret-file -d 'Read the webhook secret from a file (one trailing newline is stripped)' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l verify-token -d 'Answer the GET verification handshake when hub.verify_token matches' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l save -d 'Append every POST, byte-exact, to this capture file (JSONL); numbers (#N) continue after its last request' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l forward-to -d 'Forward every POST, invalid ones included (exact body and headers), to this URL and relay the app\'s answer; listen\'s verdict is printed next to the app\'s status and disagreements are flagged' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l status -d 'Answer every POST with this status code' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l delay -d 'Wait this many milliseconds before answering' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l max-body -d 'Largest accepted body in bytes; larger bodies get 413' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l workers -d 'Worker threads handling requests' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l forward-timeout -d 'Seconds to wait for the app\'s answer to a forwarded request (CMzon\'s limit is 30)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l ca-cert -d 'Trust this CA certificate (PEM) in addition to the system\'s trust store' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l ui-port -d 'Port of the web inspector (0 picks a free one); needs --ui' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l accept-invalid -d 'Answer 200 even to events with an invalid or missing signature (no effect with --forward-to: the app answers)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l raw -d 'Print the full pretty JSON body under each event line'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l json -d 'One NDJSON object per request on stdout instead of pretty lines (with verify\'s reason, hint and diagnosis)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l insecure -d 'Do not verify TLS certificates (prints a warning)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -l ui -d 'Open a web inspector on this machine (http://127.0.0.1:4041/ by default): every request live, its headers, exact body and signature verdict, diffs, replays and exports. It listens on 127.0.0.1 only, even with --host 0.0.0.0, and never shows the secret'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand listen" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l body -d 'Verify a single body (file or `-` for stdin) instead of captures' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l signature -d 'The signature header value to check against --body, e.g. sha256=...' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l secret -d 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l secret-file -d 'Read the webhook secret from a file (one trailing newline is stripped)' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -l json -d 'One JSON object per request on stdout'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand verify" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l secret -d 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l secret-file -d 'Read the webhook secret from a file (one trailing newline is stripped)' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l ca-cert -d 'Trust this CA certificate (PEM) in addition to the system\'s trust store' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l verify-token -d 'Verify token, enables the handshake check' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l probes -d 'Number of signed latency probes' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l timeout -d 'Seconds before a probe counts as timed out (CMzon\'s limit is 30)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l budget -d 'Warn when p50 or p95 latency exceeds this many milliseconds' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l only -d 'Run only these checks (comma-separated ids)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l skip -d 'Skip these checks (comma-separated ids)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l junit -d 'Write a JUnit XML report to FILE' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l insecure -d 'Do not verify TLS certificates (prints a warning)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l allow-http -d 'Treat plain HTTP on a loopback host as a warning instead of a failure'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l json -d 'One JSON document on stdout'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -l strict -d 'Exit 1 on warnings too (including checks that did not run for want of the secret)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand lint" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand completions" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand completions" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand completions" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand completions" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand completions" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand completions" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand man" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand man" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand man" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand man" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand man" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand man" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l url -d 'Endpoint URL that send and lint use by default' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l secret-env -d 'Name of the environment variable that holds the secret' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l secret-file -d 'File that holds the secret' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l verify-token -d 'Verify token for the GET handshake (listen and lint)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l port -d 'Port `listen` binds by default' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l path -d 'Path `listen` serves by default' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -s o -l output -d 'Where to write [default: the --config path, else ./cmzon-hook.toml]' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -s f -l force -d 'Overwrite an existing file'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -l json -d 'Print {"path","config"} as JSON on stdout instead of the path'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -s h -l help -d 'Print help'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand init" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -s p -l port -d 'Port for the demo endpoint (0 picks a free one)' -r
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -l color -d 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -l config -d 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it' -r -F
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -l keep -d 'Keep the capture file and the random secret (a 0600 file beside it); print how to verify it'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -l json -d 'One JSON document on stdout at the end instead of the tour\'s lines'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -s q -l quiet -d 'Print only data and errors: no progress, no summaries on stderr'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -s v -l verbose -d 'Print more detail (request headers, timings); repeat for more'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand demo" -s V -l version -d 'Print version'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "sign" -d 'Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "fixtures" -d 'List and render the built-in webhook payload fixtures'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "send" -d 'Sign and deliver fixtures or files to an endpoint, like CMzon does'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "listen" -d 'Run a local webhook endpoint that verifies, prints, captures and forwards events'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "verify" -d 'Verify signatures of captured requests and explain failures'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "lint" -d 'Check an endpoint\'s HTTPS, certificate, latency and webhook security'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "completions" -d 'Print a shell completion script'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "man" -d 'Print the man page (roff) for the whole tool'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "init" -d 'Write a cmzon-hook.toml: interactively on a terminal, or from flags'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "demo" -d 'A tour on this machine: listen, send every fixture and a forgery, verify, lint'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and not __fish_seen_subcommand_from sign fixtures send listen verify lint completions man init demo help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and __fish_seen_subcommand_from fixtures" -f -a "list" -d 'List fixture names, event kinds and descriptions'
complete -c cmzon-hook -n "__fish_cmzon_hook_using_subcommand help; and __fish_seen_subcommand_from fixtures" -f -a "show" -d 'Render a fixture with fresh tokens and print it'
