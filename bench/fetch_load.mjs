// Node's built-in fetch (undici, keep-alive) as a webhook sender: N signed POSTs from C
// concurrent loops, each request timed. Prints one JSON line: requests, answered (2xx),
// within_5s (2xx answered within 5 s), slowest_s (slowest 2xx answer), errors.
// Usage: node bench/fetch_load.mjs URL SIGNATURE BODY_FILE N C [TIMEOUT_S]
import { readFileSync } from "node:fs";

const [url, sig, bodyFile, n, c, timeout = "40"] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const total = Number(n);
const loops = Number(c);
const headers = { "Content-Type": "application/json", "X-Hub-Signature-256": sig };
let next = 0;
let answered = 0;
let within = 0;
let errors = 0;
let slowest = 0;

async function loop() {
  while (next < total) {
    next++;
    const t0 = performance.now();
    try {
      const r = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(Number(timeout) * 1000),
      });
      await r.arrayBuffer();
      const s = (performance.now() - t0) / 1000;
      if (r.status >= 200 && r.status < 300) {
        answered++;
        if (s <= 5) within++;
        if (s > slowest) slowest = s;
      } else {
        errors++;
      }
    } catch {
      errors++;
    }
  }
}

await Promise.all(Array.from({ length: loops }, loop));
console.log(
  JSON.stringify({ requests: total, answered, within_5s: within, slowest_s: +slowest.toFixed(4), errors }),
);
