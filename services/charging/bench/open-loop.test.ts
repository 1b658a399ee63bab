import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openLoop, post } from './open-loop.js';

describe('the open-loop load generator', () => {
  it('offers every unit, follows each first answer with its second request, and counts statuses and errors', async () => {
    // Bodies of many sizes (some larger than a socket read) so answers arrive split and several per read.
    let n = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = 'x'.repeat((n++ * 997) % 20_000);
        res.writeHead(req.url === '/first' ? 201 : 404, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const host = `127.0.0.1:${port}`;
      let firsts = 0;
      const report = await openLoop({
        host: '127.0.0.1',
        port,
        connections: 4,
        ratePerS: 400,
        seconds: 1,
        requestsPerUnit: 2,
        unit: (_i, due, follow) => ({
          text: post(host, '/first', '', '{}'),
          due,
          onStatus: (status, at) => {
            if (status === 201) firsts++;
            follow({ text: post(host, '/second', '', '{"a":1}'), due: at });
          },
        }),
      });
      expect(firsts).toBe(200);
      expect(report).toMatchObject({ offered: 400, answered: 400, ok: 200, non2xx: 200, errors: 0, statuses: { 201: 200, 404: 200 } });
      expect(report.p50Ms).toBeGreaterThanOrEqual(0);
      expect(report.maxMs).toBeGreaterThanOrEqual(report.p99Ms);
    } finally {
      server.close();
    }
  });
});
