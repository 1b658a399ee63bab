import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { opsGuard, type RouteDeps } from './common.js';

const TOKEN = 'invoicing-unit-token-0123456789';

/** A one-route app guarded like invoicing's ops endpoints; only the token matters to the guard. */
async function guarded(opsToken: string | undefined) {
  const app = Fastify();
  const ops = opsGuard({ opsToken } as RouteDeps);
  app.post('/v1/periods/2026-10-01/close', async (req, reply) => (ops(req, reply) ? { closed: true } : reply));
  await app.ready();
  return app;
}

describe('ops guard', () => {
  it('lets the ops bearer token through and refuses a missing or wrong one', async () => {
    const app = await guarded(TOKEN);
    const ok = await app.inject({ method: 'POST', url: '/v1/periods/2026-10-01/close', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ closed: true });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', TOKEN.slice(0, -1)]) {
      const r = await app.inject({ method: 'POST', url: '/v1/periods/2026-10-01/close', headers: authorization ? { authorization } : {} });
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: 'unauthorized', message: 'this operation needs the ops bearer token' });
    }
  });

  it('refuses every ops call when the instance has no token configured, saying so', async () => {
    const app = await guarded(undefined);
    for (const headers of [{}, { authorization: 'Bearer ' }, { authorization: 'Bearer anything-at-all-0123' }]) {
      const r = await app.inject({ method: 'POST', url: '/v1/periods/2026-10-01/close', headers });
      expect(r.statusCode).toBe(401);
      expect(r.json().message).toMatch(/none configured \(RCP_OPS_TOKEN\)/);
    }
  });
});
