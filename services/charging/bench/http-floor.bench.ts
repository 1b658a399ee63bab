// npm run bench:http-floor: what one HTTP request costs on this machine before any credit-control work, to
// read bench:authorize's figures against. A server process answers POST /v1/sessions with a small JSON body
// and does nothing else: with fastify (RCP_BENCH_FLOOR=fastify, the default) or Node's http module alone
// (RCP_BENCH_FLOOR=node). Load comes from the same open-loop generator as bench:authorize, one request per
// unit. Prints the server's and the generator's CPU per request; the last stdout line is one JSON object.
//
//   RCP_BENCH_RATE (requests/s, default 3000), RCP_BENCH_SECONDS (default 10), RCP_BENCH_FLOOR (fastify | node)
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { openLoop, post } from './open-loop.js';

const answer = (sessionId: unknown) => ({ result: 'granted', sessionId, grantedUnits: 60, reservation: { amount: '0.1000', currency: 'EUR' } });

if (process.argv[2] === 'server') {
  let port: number;
  if (process.env.RCP_BENCH_FLOOR === 'node') {
    const srv = createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const out = JSON.stringify(answer((JSON.parse(body) as { sessionId: unknown }).sessionId));
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as { port: number }).port;
  } else {
    const app = Fastify({ logger: false });
    app.post('/v1/sessions', async (req, reply) => reply.code(201).send(answer((req.body as { sessionId: unknown }).sessionId)));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  }
  process.send!(port);
} else {
  const RATE = Number(process.env.RCP_BENCH_RATE ?? 3000);
  const SECONDS = Number(process.env.RCP_BENCH_SECONDS ?? 10);
  const kind = process.env.RCP_BENCH_FLOOR === 'node' ? 'node' : 'fastify';
  const child = fork(fileURLToPath(import.meta.url), ['server'], { execArgv: ['--import', 'tsx'], env: { ...process.env, RCP_BENCH_FLOOR: kind } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(m as number));
      child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    });
    const cpu = () => {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    };
    const host = `127.0.0.1:${port}`;
    const run = (ratePerS: number, seconds: number) =>
      openLoop({
        host: '127.0.0.1',
        port,
        connections: 64,
        ratePerS,
        seconds,
        requestsPerUnit: 1,
        unit: (n, due) => ({ text: post(host, '/v1/sessions', 'x-api-key: bench-switch-key-0123456789abcdef\r\n', JSON.stringify({ sessionId: `s-${n}`, callingNumber: '+39061000001', calledNumber: '06 5551234', requestedUnits: 60 })), due }),
      });
    await run(Math.min(RATE, 3000), 3);
    const load = loadavg()[0]!;
    const before = cpu();
    const usage = process.cpuUsage();
    const r = await run(RATE, SECONDS);
    const server = ((cpu() - before) * 1000) / Math.max(1, r.answered);
    const used = process.cpuUsage(usage);
    const generator = (used.user + used.system) / 1000 / Math.max(1, r.answered);
    process.stderr.write(`[bench] ${kind}: ${r.answered} answered, ${r.reqPerS.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, errors ${r.errors}; CPU per request: server ${server.toFixed(3)} ms, generator ${generator.toFixed(3)} ms; load average ${load.toFixed(1)}\n`);
    console.log(JSON.stringify({ bench: 'charging.http_floor', server: kind, req_per_s: Math.round(r.reqPerS), p50_ms: r.p50Ms, p99_ms: r.p99Ms, errors: r.errors, server_cpu_ms_per_request: Number(server.toFixed(3)), generator_cpu_ms_per_request: Number(generator.toFixed(3)), load_average: Number(load.toFixed(1)) }));
  } finally {
    child.kill();
  }
}
