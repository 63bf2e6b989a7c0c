/**
 * A fixed-rate (open-loop) load generator: request i is due at start + i / rate, whatever
 * happened to the ones before it, and its latency is measured from that due time, so a server
 * that falls behind shows it (no coordinated omission, as wrk2 does it).
 *
 * Why not autocannon's `overallRate`: it gives each connection a budget per second and lets the
 * connection spend it back to back from the top of each second, so "500/s" over 10 connections
 * is a closed-loop burst of 500 requests each second, then silence: it measures how long 10
 * connections take to drain a burst, not the latency at a steady 500 a second. Closed-loop
 * throughput is still measured with autocannon.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface OpenLoopRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OpenLoopResult {
  /** Requests answered per second over the run. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  sent: number;
  non2xx: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/**
 * Sends `rate` requests a second for `seconds` to `baseUrl`; `next(i)` makes the i-th request.
 * Connections are opened as needed (keep-alive, up to `maxSockets`), as many clients would.
 */
export async function openLoop(baseUrl: string, rate: number, seconds: number, next: (i: number) => OpenLoopRequest, maxSockets = 256): Promise<OpenLoopResult> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let done = 0;
  const start = performance.now() + 20;
  const finished = new Promise<void>((resolve) => {
    const send = (i: number, due: number) => {
      const r = next(i);
      const req = http.request(
        { agent, host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.body ? { ...r.headers, 'content-length': Buffer.byteLength(r.body) } : r.headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        if (++done === total) resolve();
      });
      if (r.body) req.write(r.body);
      req.end();
    };
    let sent = 0;
    // A 1 ms tick sends every request that has come due (timers are not precise enough to
    // schedule each one; the latency still counts from its due time).
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        send(sent, start + (sent * 1000) / rate);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
  await finished;
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    rps: Math.round(total / elapsed),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(latencies.at(-1) ?? 0),
    sent: total,
    non2xx,
    errors,
  };
}
