// A lean open-loop HTTP/1.1 load generator for the authorize benchmark: raw keep-alive sockets, requests
// pre-built as strings, no pipelining (at most one request in flight per connection). Work is offered on a
// fixed schedule (pair n is due at t0 + n / pairRate), whatever the server's answers do, and every request's
// latency is measured from the moment it was due, not from when a connection was free to send it: a stalled
// server makes the queued requests' latencies grow (coordinated omission corrected, as wrk2 does).
//
// Why not autocannon: it rate-limits with a per-second budget per connection (each connection sends back to
// back until its budget for the second is spent, then waits for the next second), so the load arrives in
// bursts at each second's start; its correction adds a synthetic sample per millisecond of a slow answer;
// and it costs about as much CPU per request as the service measured, on the same two cores.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request: its complete HTTP/1.1 text (ASCII), and what to do with its answer's status. */
export type Job = { text: string; due: number; onStatus?: (status: number, atMs: number) => void };

export type LoadReport = {
  /** Requests offered (due within the run) and answered. */
  offered: number;
  answered: number;
  /** Requests with a 2xx answer, other statuses, and socket errors or no answer before the deadline. */
  ok: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  reqPerS: number;
  /** Latency from the moment each request was due (ms). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
};

type Conn = { socket: Socket; buf: Buffer | null; job: Job | null; ready: boolean };

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Offers `ratePerS` requests per second for `seconds`: `pairs(n, due)` gives the n-th unit of work (its first
 * request; a follow-up, such as a terminate after its authorize, is queued with `follow` from the first's
 * onStatus). `requestsPerUnit` is how many requests one unit is (2 for a pair), to turn the request rate into
 * units per second.
 */
export async function openLoop(opts: {
  host: string;
  port: number;
  connections: number;
  ratePerS: number;
  seconds: number;
  requestsPerUnit: number;
  unit: (n: number, due: number, follow: (job: Job) => void) => Job;
  /** How long to wait past the schedule for the last answers (ms). */
  drainMs?: number;
}): Promise<LoadReport> {
  const unitsPerMs = opts.ratePerS / opts.requestsPerUnit / 1000;
  const totalUnits = Math.floor(opts.ratePerS * opts.seconds / opts.requestsPerUnit);
  const latencies = new Float64Array(totalUnits * opts.requestsPerUnit + 16);
  let recorded = 0;
  let offered = 0;
  let answered = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const queue: Job[] = [];
  let head = 0;
  const free: Conn[] = [];
  const all = new Set<Conn>();
  let inFlight = 0;

  const record = (job: Job, now: number) => {
    if (recorded < latencies.length) latencies[recorded++] = now - job.due;
  };
  const send = (c: Conn, job: Job) => {
    c.job = job;
    inFlight++;
    c.socket.write(job.text, 'latin1');
  };
  const dispatch = (job: Job) => {
    offered++;
    const c = free.pop();
    if (c) send(c, job);
    else queue.push(job);
  };
  const next = (c: Conn) => {
    if (head < queue.length) {
      const job = queue[head]!;
      queue[head++] = undefined as never;
      if (head > 4096 && head * 2 > queue.length) (queue.splice(0, head), (head = 0));
      send(c, job);
    } else free.push(c);
  };
  const finish = (c: Conn, status: number | null) => {
    const job = c.job!;
    c.job = null;
    inFlight--;
    const now = performance.now();
    if (status === null) errors++;
    else {
      answered++;
      record(job, now);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ok++;
      else non2xx++;
    }
    if (status !== null) job.onStatus?.(status, now);
  };

  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
      const c: Conn = { socket, buf: null, job: null, ready: false };
      all.add(c);
      socket.once('connect', () => {
        c.ready = true;
        resolve(c);
      });
      // Answers are read as bytes: only their head is decoded, their bodies are skipped by content-length.
      socket.on('data', (chunk: Buffer) => {
        const b = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
        let at = 0;
        for (;;) {
          const end = b.indexOf(HEAD_END, at);
          if (end < 0) break;
          const head = b.toString('latin1', at, end);
          const status = Number(head.slice(9, 12));
          const len = /\r\ncontent-length: *(\d+)/i.exec(head);
          if (!len || /\r\ntransfer-encoding:/i.test(head)) {
            socket.destroy(new Error(`answer without content-length: ${head.slice(0, 200)}`));
            return;
          }
          const total = end + 4 + Number(len[1]);
          if (b.length < total) break;
          at = total;
          if (c.job) {
            finish(c, status);
            next(c);
          }
        }
        c.buf = at < b.length ? b.subarray(at) : null;
      });
      socket.on('error', (err) => {
        if (!c.ready) reject(err);
      });
      socket.on('close', () => {
        // A request in flight on a closed connection is an error; the connection is replaced.
        all.delete(c);
        if (c.job) finish(c, null);
        const i = free.indexOf(c);
        if (i >= 0) free.splice(i, 1);
        if (!closing && c.ready) {
          void open().then(
            (fresh) => next(fresh),
            () => undefined,
          );
        }
      });
    });

  let closing = false;
  const conns = await Promise.all(Array.from({ length: opts.connections }, () => open()));
  free.push(...conns);
  const follow = (job: Job) => dispatch(job);
  const t0 = performance.now();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(totalUnits, Math.floor((performance.now() - t0) * unitsPerMs) + 1);
      while (issued < due) {
        const n = issued++;
        dispatch(opts.unit(n, t0 + n / unitsPerMs, follow));
      }
      // Sleep until the next unit is due (timers fire late, never early; lateness counts in its latency).
      if (issued < totalUnits) setTimeout(tick, Math.max(1, Math.floor(t0 + issued / unitsPerMs - performance.now())));
      else resolve();
    };
    tick();
  });
  const deadline = performance.now() + (opts.drainMs ?? 10_000);
  while ((inFlight > 0 || head < queue.length) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const unanswered = inFlight + (queue.length - head);
  closing = true;
  for (const c of [...all]) c.socket.destroy();
  errors += unanswered;

  const sorted = latencies.subarray(0, recorded).sort();
  const q = (p: number) => (recorded === 0 ? 0 : Math.round(sorted[Math.min(recorded - 1, Math.ceil(p * recorded) - 1)]! * 100) / 100);
  return {
    offered,
    answered,
    ok,
    non2xx,
    errors,
    statuses,
    seconds,
    reqPerS: answered / seconds,
    p50Ms: q(0.5),
    p90Ms: q(0.9),
    p99Ms: q(0.99),
    p999Ms: q(0.999),
    maxMs: recorded === 0 ? 0 : Math.round(sorted[recorded - 1]! * 100) / 100,
  };
}

/** An HTTP/1.1 POST with a JSON body, as one ASCII string. */
export function post(host: string, path: string, headers: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n${headers}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}
