import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { bodyProblem, createHttpServer, MAX_BODY_DEPTH } from './http.js';
import { createMetrics } from './metrics.js';

describe('text PostgreSQL cannot store', () => {
  it('is found wherever it is, by path', () => {
    const at = (body: unknown) => bodyProblem(body, { text: true })?.message.split(':')[0] ?? null;
    expect(at({ a: 'ok', b: [{ c: 'fine 😀' }, { d: 'nul\u0000' }] })).toBe('b[1].d');
    expect(at({ ['key\ud800']: 1 })).toBe('key\ud800');
    expect(at(['x', 'lone\udc00'])).toBe('[1]');
    expect(at('plain\u0000')).toBe('(body)');
    expect(at({ a: 'tab\tand newline\n are storable', n: 1, z: null, t: true })).toBeNull();
    expect(bodyProblem({ a: 'nul\u0000' }, { text: false })).toBeNull();
  });

  it('refuses nesting deeper than the limit, however deep, without overflowing the stack', () => {
    const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
    expect(bodyProblem(nested(MAX_BODY_DEPTH), { text: true })).toBeNull();
    expect(bodyProblem(nested(MAX_BODY_DEPTH + 1), { text: false })).toEqual({ error: 'invalid_body', message: expect.stringContaining(`nested deeper than ${MAX_BODY_DEPTH} levels`) });
    expect(bodyProblem(nested(200_000), { text: true })?.error).toBe('invalid_body');
  });

  describe('refused by every service with 400 before a handler sees it', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await createHttpServer({ service: 't', description: 't', logger: pino({ level: 'silent' }), metrics: createMetrics('t'), readiness: {} });
      app.post('/v1/things', async (req) => ({ got: req.body }));
      app.post('/v1/records', { config: { checksTextPerRecord: true } }, async (req) => ({ got: req.body }));
    });
    afterAll(() => app.close());

    it('names where the bad text is, and passes good text', async () => {
      const bad = await app.inject({ method: 'POST', url: '/v1/things', payload: { lines: [{ name: 'ok' }, { name: 'bad\u0000' }] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: 'invalid_text', message: expect.stringMatching(/^lines\[1\]\.name: text must not contain NUL/) });
      const lone = await app.inject({ method: 'POST', url: '/v1/things', headers: { 'content-type': 'application/json' }, payload: '{"note":"\\ud800"}' });
      expect(lone.statusCode).toBe(400);
      const good = await app.inject({ method: 'POST', url: '/v1/things', payload: { name: 'Zürich ☎ 😀' } });
      expect(good.statusCode).toBe(200);
    });

    it('leaves a route that answers record by record to check text itself, but not nesting', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/records', payload: [{ recordId: 'nul\u0000' }] });
      expect(res.statusCode).toBe(200);
      const deep = await app.inject({ method: 'POST', url: '/v1/records', headers: { 'content-type': 'application/json' }, payload: '['.repeat(100_000) + ']'.repeat(100_000) });
      expect(deep.statusCode).toBe(400);
      expect(deep.json()).toMatchObject({ error: 'invalid_body' });
    });
  });
});
