// Prints a new credential: the token to hand to the person (once; it is stored nowhere) and the value to
// configure, e.g. as RCP_BOOTSTRAP_BACKOFFICE, which holds only its scrypt hash.
//   npx tsx services/provisioning/src/cli/new-credential.ts
import { newCredential } from '../auth/credentials.js';

const c = await newCredential();
process.stdout.write(`token (give it to its holder, keep it secret):\n  ${c.token}\n`);
process.stdout.write(`configuration value (hash only, e.g. RCP_BOOTSTRAP_BACKOFFICE):\n  ${c.keyId}:${c.secretHash}\n`);
