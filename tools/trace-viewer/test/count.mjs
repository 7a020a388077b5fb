// count.mjs: how many complete slices named NAME a trace holds, by the
// viewer's own decoder (the tests wait on it for the drain to catch up).
//   node test/count.mjs TRACE NAME
import { readFileSync } from 'node:fs';
import { Decoder } from '../web/decode.js';
import { buildModel } from '../web/model.js';

const [file, name] = process.argv.slice(2);
const d = new Decoder();
try {
  d.push(new Uint8Array(readFileSync(file)));
} catch {
  // not there yet
}
const row = buildModel(d).model.summary.find((r) => r.name === name);
console.log(row ? row.count : 0);
