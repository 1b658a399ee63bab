import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CatalogueValidationError } from '@rcp/domain';
import { parse as parseYaml } from 'yaml';
import type { CatalogueStore } from '../catalogue/store.js';

export function registerRatingRoutes(app: FastifyInstance, deps: { catalogue: CatalogueStore; opsToken: string; afterApply: () => Promise<unknown> }): void {
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body as string));
    } catch (err) {
      done(Object.assign(new Error(`catalogue is not valid YAML: ${(err as Error).message}`), { statusCode: 400, code: 'invalid_yaml' }), undefined);
    }
  });
  const expected = createHash('sha256').update(deps.opsToken).digest();
  const isOps = (req: FastifyRequest) => {
    const token = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    return token !== undefined && timingSafeEqual(createHash('sha256').update(token).digest(), expected);
  };

  app.put(
    '/v1/catalogue',
    { schema: { tags: ['catalogue'], summary: 'Apply a catalogue document (YAML or JSON); validated, stored, in force at once' } },
    async (req, reply) => {
      if (!isOps(req)) return reply.code(401).send({ error: 'unauthorized', message: 'applying a catalogue needs the ops bearer token' });
      try {
        const applied = await deps.catalogue.apply(req.body, 'http');
        await deps.afterApply();
        return reply.code(201).send({ revision: applied.revision, catalogue: applied.catalogue.catalogue, versions: applied.catalogue.versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom })) });
      } catch (err) {
        if (err instanceof CatalogueValidationError) return reply.code(422).send({ error: err.code, issues: err.issues });
        throw err;
      }
    },
  );

  app.get('/v1/catalogue', { schema: { tags: ['catalogue'], summary: 'The catalogue in force' } }, async (_req, reply) => {
    const c = deps.catalogue.catalogue;
    if (!c) return reply.code(404).send({ error: 'no_catalogue', message: 'no catalogue has been applied yet' });
    return { revision: deps.catalogue.revision, catalogue: c };
  });
}
