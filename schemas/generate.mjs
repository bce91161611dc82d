// Writes schemas/ferry.schema.json from the zod schema in @ferry/manifest-model (built dist).
// Run with `npm run schema:generate`; a test in manifest-model fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { buildFerryConfigJsonSchema } from '@ferry/manifest-model';

const target = new URL('./ferry.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(buildFerryConfigJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
