import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh, empty database on the server named by DATABASE_URL, for one test file or one demo run;
 * dropped again by the returned function.
 */
export async function createScratchDatabase(baseUrl: string, label = 'test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${label}_${randomBytes(5).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
