// Checks CloudNativePG Cluster documents (JSON files named on the command line) against the validator
// @kubernetes-models/cloudnative-pg generates from CloudNativePG's CRD; prints each one's problem, exits 1 on any.
import { readFileSync } from 'node:fs';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1';

let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    new Cluster(JSON.parse(readFileSync(file, 'utf8'))).validate();
  } catch (e) {
    console.log(`${file}: ${e.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
