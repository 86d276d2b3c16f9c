// Seeds the website benchmark's database: the demo charity, then published updates until there are `updates` of
// them (through the same service staff use), so the pages measured hold what a real small charity's site holds.
import { buildCore, seedDemo } from '../../src/app.js';
import { loadConfig } from '../../src/core/config.js';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createResource, listPublishedResources, setResourcePublished } from '../../src/content/resources/service.js';
import { createUpdate, listPublishedUpdates, publishUpdate } from '../../src/content/updates/service.js';
import { serveChild } from '../lib/child.js';

export interface SeedWebsite {
  dataDir: string;
  updates: number;
  resources: number;
}

async function smallPdf(text: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([400, 400]);
  page.drawText(text, { x: 20, y: 350, size: 11, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

const WORDS =
  'cotton supply chain brands mills audit detention families letters parliament vigil evidence workers import ban tracing labels supporters campaign briefing'.split(
    ' ',
  );

function paragraph(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 13 + (i >> 3)) % WORDS.length]!);
  return `${out.join(' ')}.`;
}

serveChild<SeedWebsite, { updates: number; resources: number; slug: string }>(async (o) => {
  const core = await buildCore(loadConfig({ ...process.env, LANTERN_DATA_DIR: o.dataDir, LOG_LEVEL: 'warn' }));
  try {
    await seedDemo(core);
    const staff = { id: null, name: 'Freedom Thread' };
    let total = (await listPublishedUpdates(core.db)).total;
    for (let i = 0; total < o.updates; i++, total++) {
      const u = await createUpdate(
        core,
        {
          title: `Campaign note ${i + 1}: ${paragraph(i, 5)}`,
          excerpt: paragraph(i + 1, 24),
          bodyMd: [paragraph(i, 90), '', `## ${paragraph(i + 2, 4)}`, '', paragraph(i + 3, 120), '', `- ${paragraph(i + 4, 10)}`].join(
            '\n',
          ),
          authorKind: 'organisation',
        },
        staff,
      );
      await publishUpdate(core, u.id, staff);
    }
    let resources = (await listPublishedResources(core.db, {})).total;
    for (let i = 0; resources < o.resources; i++, resources++) {
      const made = await createResource(
        core,
        {
          title: `Briefing ${i + 1}: ${paragraph(i, 4)}`,
          summary: paragraph(i + 5, 20),
          type: i % 2 ? 'briefing' : 'report',
          publishedOn: '2026-06-01',
        },
        { bytes: await smallPdf(paragraph(i, 12)), truncated: false },
        { id: null },
      );
      await setResourcePublished(core, made.id, true, { id: null });
    }
    const newest = (await listPublishedUpdates(core.db, { perPage: 1 })).items[0]!;
    return { updates: total, resources, slug: newest.slug };
  } finally {
    await core.mailer.close();
    await core.db.destroy();
  }
});
