
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cmzon-hook' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cmzon-hook'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cmzon-hook' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin')
            [CompletionResult]::new('fixtures', 'fixtures', [CompletionResultType]::ParameterValue, 'List and render the built-in webhook payload fixtures')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Sign and deliver fixtures or files to an endpoint, like CMzon does')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Run a local webhook endpoint that verifies, prints, captures and forwards events')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify signatures of captured requests and explain failures')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check an endpoint''s HTTPS, certificate, latency and webhook security')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) for the whole tool')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a cmzon-hook.toml: interactively on a terminal, or from flags')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A tour on this machine: listen, send every fixture and a forgery, verify, lint')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cmzon-hook;sign' {
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Read the webhook secret from a file (one trailing newline is stripped)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Print the full header line `X-Hub-Signature-256: sha256=...`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object on stdout: {"signature","header","bytes"}')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;fixtures' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List fixture names, event kinds and descriptions')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a fixture with fresh tokens and print it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cmzon-hook;fixtures;list' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per fixture (NDJSON) on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;fixtures;show' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Override a value: dot path with numeric indices, e.g. entry.0.id=123 (repeatable). VALUE is JSON when it parses, else text; where the fixture has a string it stays a string unless JSON-quoted (''"..."'')')
            [CompletionResult]::new('--set-json', '--set-json', [CompletionResultType]::ParameterName, 'Like --set, but VALUE is always JSON, even where the fixture has a string (applied after --set; repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--compact', '--compact', [CompletionResultType]::ParameterName, 'Print compact JSON (the bytes `send` would deliver) instead of pretty JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;fixtures;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List fixture names, event kinds and descriptions')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a fixture with fresh tokens and print it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cmzon-hook;fixtures;help;list' {
            break
        }
        'cmzon-hook;fixtures;help;show' {
            break
        }
        'cmzon-hook;fixtures;help;help' {
            break
        }
        'cmzon-hook;send' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Endpoint URL (or env CMZON_WEBHOOK_URL)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Override a value in each payload: dot path with numeric indices (repeatable). VALUE is JSON when it parses, else text; where the payload has a string it stays a string unless JSON-quoted (''"..."'')')
            [CompletionResult]::new('--set-json', '--set-json', [CompletionResultType]::ParameterName, 'Like --set, but VALUE is always JSON, even where the payload has a string (applied after --set; repeatable)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Read the webhook secret from a file (one trailing newline is stripped)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) in addition to the system''s trust store')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds before a delivery is abandoned (CMzon''s limit is 30)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retry connection errors, timeouts and 5xx this many times')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'Base backoff between retries in milliseconds (exponential, with jitter)')
            [CompletionResult]::new('--duplicate', '--duplicate', [CompletionResultType]::ParameterName, 'After each delivery, deliver the very same event N more times')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Repeat the whole payload set N times')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Deliveries in flight at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Deliveries in flight at once')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Steady rate limit in deliveries per second')
            [CompletionResult]::new('--from-capture', '--from-capture', [CompletionResultType]::ParameterName, 'Replay every request of a capture (JSONL, HAR or raw HTTP), re-signed; from a HAR only the POSTs with a body (the rest are skipped with a count on stderr); FILE#7, FILE#3-5 or FILE#2,7 replays only those (listen''s #N, verify''s FILE#N)')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Exit 0 only when every final status matches: 2xx, 4xx, 5xx or an exact code [default: 2xx; 4xx with --tamper]')
            [CompletionResult]::new('--tamper', '--tamper', [CompletionResultType]::ParameterName, 'Send deliberately invalid deliveries (then --expect defaults to 4xx: the endpoint must reject them)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (prints a warning)')
            [CompletionResult]::new('--keep-signature', '--keep-signature', [CompletionResultType]::ParameterName, 'With --from-capture: send the captured signature instead of re-signing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact request(s) without sending')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'NDJSON on stdout: one object per delivery, then a summary object')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation before large sends to non-loopback hosts')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation before large sends to non-loopback hosts')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;listen' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to bind (0 picks a free one)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to bind (0 picks a free one)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Path that receives webhooks')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Read the webhook secret from a file (one trailing newline is stripped)')
            [CompletionResult]::new('--verify-token', '--verify-token', [CompletionResultType]::ParameterName, 'Answer the GET verification handshake when hub.verify_token matches')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Append every POST, byte-exact, to this capture file (JSONL); numbers (#N) continue after its last request')
            [CompletionResult]::new('--forward-to', '--forward-to', [CompletionResultType]::ParameterName, 'Forward every POST, invalid ones included (exact body and headers), to this URL and relay the app''s answer; listen''s verdict is printed next to the app''s status and disagreements are flagged')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Answer every POST with this status code')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Wait this many milliseconds before answering')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest accepted body in bytes; larger bodies get 413')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Worker threads handling requests')
            [CompletionResult]::new('--forward-timeout', '--forward-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the app''s answer to a forwarded request (CMzon''s limit is 30)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) in addition to the system''s trust store')
            [CompletionResult]::new('--ui-port', '--ui-port', [CompletionResultType]::ParameterName, 'Port of the web inspector (0 picks a free one); needs --ui')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--accept-invalid', '--accept-invalid', [CompletionResultType]::ParameterName, 'Answer 200 even to events with an invalid or missing signature (no effect with --forward-to: the app answers)')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the full pretty JSON body under each event line')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One NDJSON object per request on stdout instead of pretty lines (with verify''s reason, hint and diagnosis)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (prints a warning)')
            [CompletionResult]::new('--ui', '--ui', [CompletionResultType]::ParameterName, 'Open a web inspector on this machine (http://127.0.0.1:4041/ by default): every request live, its headers, exact body and signature verdict, diffs, replays and exports. It listens on 127.0.0.1 only, even with --host 0.0.0.0, and never shows the secret')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;verify' {
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Verify a single body (file or `-` for stdin) instead of captures')
            [CompletionResult]::new('--signature', '--signature', [CompletionResultType]::ParameterName, 'The signature header value to check against --body, e.g. sha256=...')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Read the webhook secret from a file (one trailing newline is stripped)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per request on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;lint' {
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Webhook secret (prefer --secret-file or CMZON_WEBHOOK_SECRET: argv is visible to other users)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Read the webhook secret from a file (one trailing newline is stripped)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM) in addition to the system''s trust store')
            [CompletionResult]::new('--verify-token', '--verify-token', [CompletionResultType]::ParameterName, 'Verify token, enables the handshake check')
            [CompletionResult]::new('--probes', '--probes', [CompletionResultType]::ParameterName, 'Number of signed latency probes')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds before a probe counts as timed out (CMzon''s limit is 30)')
            [CompletionResult]::new('--budget', '--budget', [CompletionResultType]::ParameterName, 'Warn when p50 or p95 latency exceeds this many milliseconds')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (comma-separated ids)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks (comma-separated ids)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report to FILE')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (prints a warning)')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Treat plain HTTP on a loopback host as a warning instead of a failure')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 on warnings too (including checks that did not run for want of the secret)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;init' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Endpoint URL that send and lint use by default')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Name of the environment variable that holds the secret')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'File that holds the secret')
            [CompletionResult]::new('--verify-token', '--verify-token', [CompletionResultType]::ParameterName, 'Verify token for the GET handshake (listen and lint)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port `listen` binds by default')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Path `listen` serves by default')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write [default: the --config path, else ./cmzon-hook.toml]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write [default: the --config path, else ./cmzon-hook.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print {"path","config"} as JSON on stdout instead of the path')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;demo' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for the demo endpoint (0 picks a free one)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port for the demo endpoint (0 picks a free one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto means stdout is a terminal and NO_COLOR is unset')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ./cmzon-hook.toml when present]; flags and env override it')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the capture file and the random secret (a 0600 file beside it); print how to verify it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document on stdout at the end instead of the tour''s lines')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no progress, no summaries on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (request headers, timings); repeat for more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cmzon-hook;help' {
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Print the X-Hub-Signature-256 value for the exact bytes of a file or stdin')
            [CompletionResult]::new('fixtures', 'fixtures', [CompletionResultType]::ParameterValue, 'List and render the built-in webhook payload fixtures')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Sign and deliver fixtures or files to an endpoint, like CMzon does')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Run a local webhook endpoint that verifies, prints, captures and forwards events')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify signatures of captured requests and explain failures')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check an endpoint''s HTTPS, certificate, latency and webhook security')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) for the whole tool')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a cmzon-hook.toml: interactively on a terminal, or from flags')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A tour on this machine: listen, send every fixture and a forgery, verify, lint')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cmzon-hook;help;sign' {
            break
        }
        'cmzon-hook;help;fixtures' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List fixture names, event kinds and descriptions')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a fixture with fresh tokens and print it')
            break
        }
        'cmzon-hook;help;fixtures;list' {
            break
        }
        'cmzon-hook;help;fixtures;show' {
            break
        }
        'cmzon-hook;help;send' {
            break
        }
        'cmzon-hook;help;listen' {
            break
        }
        'cmzon-hook;help;verify' {
            break
        }
        'cmzon-hook;help;lint' {
            break
        }
        'cmzon-hook;help;completions' {
            break
        }
        'cmzon-hook;help;man' {
            break
        }
        'cmzon-hook;help;init' {
            break
        }
        'cmzon-hook;help;demo' {
            break
        }
        'cmzon-hook;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
