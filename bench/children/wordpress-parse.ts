// The floor of the WordPress benchmark: the same Node streaming the export through saxes and doing nothing else.
// Run by plain node (its types are stripped), so the floor carries no loader: `node bench/children/wordpress-parse.ts FILE`.
import { createReadStream } from 'node:fs';
import { SaxesParser } from 'saxes';

const parser = new SaxesParser({ xmlns: true });
let items = 0;
parser.on('closetag', (t) => {
  if (t.local === 'item') items++;
});
const decoder = new TextDecoder('utf-8', { fatal: true });
for await (const chunk of createReadStream(process.argv[2]!, { highWaterMark: 65536 })) {
  parser.write(decoder.decode(chunk as Uint8Array, { stream: true }));
}
parser.close();
process.stdout.write(`${items}\n`);
