// Validates an AsyncAPI document with the official parser: node tests/contracts_validate_asyncapi.mjs FILE
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../.tools/node/', import.meta.url));
const { Parser } = require('@asyncapi/parser');
const { diagnostics } = await new Parser().parse(readFileSync(process.argv[2], 'utf8'));
const errors = diagnostics.filter((d) => d.severity === 0);
for (const e of errors) console.error(`${e.path.join('.')}: ${e.message}`);
console.log(`${errors.length} errors, ${diagnostics.length - errors.length} other diagnostics`);
process.exit(errors.length ? 1 : 0);
