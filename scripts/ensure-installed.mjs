// Runs before anything else in `npm start` / `npm test`, with nothing but Node itself: a fresh clone has
// no node_modules yet, and a pulled change may have new dependencies. Either way, install from the lockfile.
//
// `npm install` rather than `npm ci`: the package registry our machines reach does not carry every
// platform's optional binaries (turbo's macOS/Windows builds), so the lockfile cannot list them and
// `npm ci`'s strict lockfile check refuses it; `npm install` installs exactly the locked versions for
// this platform and skips the unavailable optional ones. Install scripts run only for the packages
// approved under `allowScripts` in package.json.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = existsSync(installed) && statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000;
if (!existsSync(installed) || stale) {
  console.log(`[setup] ${stale ? 'package-lock.json changed' : 'node_modules missing'}: installing dependencies from package-lock.json`);
  const res = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('[setup] npm install failed; see the output above');
    process.exit(res.status ?? 1);
  }
}
