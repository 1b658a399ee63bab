import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CatalogueValidationError } from '@rcp/domain';
import { hasOpsBearer } from '@rcp/runtime';
import { parse as parseYaml } from 'yaml';
import { CatalogueChangedError, type CatalogueStore } from '../catalogue/store.js';

export function registerRatingRoutes(app: FastifyInstance, deps: { catalogue: CatalogueStore; opsToken: string; afterApply: () => Promise<unknown> }): void {
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body as string));
    } catch (err) {
      done(Object.assign(new Error(`catalogue is not valid YAML: ${(err as Error).message}`), { statusCode: 400, code: 'invalid_yaml' }), undefined);
    }
  });
  const isOps = (req: FastifyRequest) => hasOpsBearer(req, deps.opsToken);

  app.put(
    '/v1/catalogue',
    { schema: { tags: ['catalogue'], summary: 'Apply a catalogue document (YAML or JSON); validated, stored, in force at once' } },
    async (req, reply) => {
      if (!isOps(req)) return reply.code(401).send({ error: 'unauthorized', message: 'applying a catalogue needs the ops bearer token' });
      // If-Match: "<revision>" applies only over that revision (a read-modify-write, as provisioning's partner
      // price edits are, must not undo a change made in between); "*" or no header applies unconditionally.
      const ifMatch = req.headers['if-match'];
      let ifRevision: number | null | undefined;
      if (typeof ifMatch === 'string' && ifMatch.trim() !== '*') {
        const m = /^\s*(?:W\/)?"?(\d+|none)"?\s*$/.exec(ifMatch);
        if (!m) return reply.code(400).send({ error: 'invalid_if_match', message: 'If-Match must be a catalogue revision as GET /v1/catalogue gives it in its ETag, e.g. "12"' });
        ifRevision = m[1] === 'none' ? null : Number(m[1]);
      }
      try {
        const applied = await deps.catalogue.apply(req.body, 'http', { ifRevision });
        await deps.afterApply();
        return reply.code(201).send({ revision: applied.revision, catalogue: applied.catalogue.catalogue, versions: applied.catalogue.versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom })) });
      } catch (err) {
        if (err instanceof CatalogueValidationError) return reply.code(422).send({ error: err.code, issues: err.issues });
        if (err instanceof CatalogueChangedError) return reply.code(412).header('etag', `"${err.latest ?? 'none'}"`).send({ error: err.code, message: err.message, revision: err.latest });
        throw err;
      }
    },
  );

  app.get('/v1/catalogue', { schema: { tags: ['catalogue'], summary: 'The catalogue in force; its revision is the ETag a PUT may name in If-Match' } }, async (_req, reply) => {
    // The newest revision of any instance: it is what a compare-and-set apply is checked against.
    await deps.catalogue.refresh();
    const c = deps.catalogue.catalogue;
    if (!c) return reply.code(404).send({ error: 'no_catalogue', message: 'no catalogue has been applied yet' });
    reply.header('etag', `"${deps.catalogue.revision}"`);
    return { revision: deps.catalogue.revision, catalogue: c };
  });
}
