// Runs before anything else in `npm start` / `npm test`, with nothing but Node itself:
// a fresh clone has no node_modules yet, so install from the lockfile first.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker)) {
  console.log('[setup] node_modules missing: installing dependencies from package-lock.json (npm ci)');
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('[setup] npm ci failed; see the output above');
    process.exit(res.status ?? 1);
  }
}
