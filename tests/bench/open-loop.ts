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
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { summary } from './password.js';

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

/**
 * CPU time the server process has used so far (Linux /proc; null elsewhere). Per request it is the
 * figure a machine shared with other work distorts least: whether a rate fits in one core does not
 * depend on who else is running.
 */
export function serverCpuMs(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime (fields 14 and 15 of the whole line) in clock ticks, 100 a second on Linux.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU time the server process's threads have used so far, to the nanosecond (Linux schedstat;
 * null elsewhere): fine enough for one request, where serverCpuMs counts in 10 ms ticks. Threads
 * that have ended no longer count, so measure across requests, not across a thread's life.
 */
export function serverThreadsCpuMs(pid: number | undefined): number | null {
  try {
    let ns = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

/**
 * Sends `rate` requests a second for `seconds` to `baseUrl`; `next(i)` makes the i-th request.
 * Connections are opened as needed (keep-alive, up to `maxSockets`), as many clients would.
 */
export async function openLoop(
  baseUrl: string,
  rate: number,
  seconds: number,
  next: (i: number) => OpenLoopRequest,
  maxSockets = 256,
): Promise<OpenLoopResult> {
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
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: r.method,
          path: r.path,
          headers: r.body ? { ...r.headers, 'content-length': Buffer.byteLength(r.body) } : r.headers,
        },
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
  const { p50_ms, p99_ms, max_ms } = latencies.length ? summary(latencies) : { p50_ms: 0, p99_ms: 0, max_ms: 0 };
  return {
    rps: Math.round(total / elapsed),
    p50_ms,
    p99_ms,
    max_ms,
    sent: total,
    non2xx,
    errors,
  };
}
