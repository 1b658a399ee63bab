import { z } from 'zod';

/** A setting that is wrong stops the process at start, naming every variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly service: string, readonly problems: string[]) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Settings every service shares. Services extend this object with their own. */
export const baseConfigShape = {
  KAFKA_BROKERS: z
    .string({ error: 'is required: comma-separated host:port list of the Kafka brokers' })
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
  DATABASE_URL: z
    .string({ error: 'is required: postgres://user:password@host:port/database' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Prefixes every topic and consumer group, so several platforms (or test runs) share one cluster. */
  RCP_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore only').default(''),
};

export function parseConfig<S extends z.ZodRawShape>(service: string, shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = env[String(issue.path[0])];
    const shown = value === undefined ? 'not set' : /URL|KEY|SECRET|PASSWORD/i.test(name) ? 'set (hidden)' : JSON.stringify(value);
    return `${name} ${issue.message} (${shown})`;
  });
  throw new ConfigError(service, problems);
}

/** Entry points call this: print the problems plainly and exit non-zero, no stack trace. */
export function parseConfigOrExit<S extends z.ZodRawShape>(service: string, shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  try {
    return parseConfig(service, shape, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
