import { getCampaign } from '../../actions/service.js';
import type { Core } from '../../core/context.js';
import { createResource, readResourceText, setResourcePublished, type ResourceInput } from './service.js';

// The demo charity's resources library: five small PDFs made here (real files, with text the search can read), all
// in our own words about the fictional charity.

interface DemoResource extends ResourceInput {
  pages: string[][];
}

const RESOURCES: DemoResource[] = [
  {
    title: 'Briefing: why factory audits miss forced labour',
    slug: 'briefing-why-audits-miss-forced-labour',
    summary: 'Four reasons an announced audit cannot find workers who were moved, and what would work instead.',
    type: 'briefing',
    publishedOn: '2026-11-17',
    pages: [
      [
        'Why factory audits miss forced labour',
        '',
        'Audits are announced weeks ahead and carried out with managers present.',
        'Workers transferred under state labour programmes are often moved before the visit.',
        'Spinning mills and farms, where the risk is highest, are rarely audited at all.',
      ],
      [
        'What would work instead',
        '',
        'Published lists of every mill and farm in the supply chain.',
        'A duty on importers to show their goods were made without forced labour.',
        'Safe ways for affected communities to bring evidence forward.',
      ],
    ],
  },
  {
    title: 'Briefing: the case for an import ban',
    slug: 'briefing-the-case-for-an-import-ban',
    summary: 'How a rule on importers would keep goods made by people held against their will off UK shelves.',
    type: 'briefing',
    publishedOn: '2026-10-20',
    pages: [
      [
        'The case for an import ban',
        '',
        'Other countries already stop goods made with forced labour at the border.',
        'A UK rule would put the duty of proof on the importer, not on the people harmed.',
      ],
    ],
  },
  {
    title: 'Families apart: a guide for supporters',
    slug: 'families-apart-guide-for-supporters',
    summary: 'How to talk about detention with care, and how to support families who have lost contact.',
    type: 'guide',
    publishedOn: '2026-09-30',
    pages: [
      [
        'Families apart: a guide for supporters',
        '',
        'Listen first. Never share a name, a photograph or a place without asking.',
        'Some relatives are at risk if they are seen to speak: let them choose how to be heard.',
      ],
    ],
  },
  {
    title: 'Campaign pack: clean cotton',
    slug: 'campaign-pack-clean-cotton',
    summary: 'Leaflet text, a letter template and questions to ask brands, ready to print for a stall or a meeting.',
    type: 'pack',
    publishedOn: '2026-08-14',
    pages: [
      [
        'Campaign pack: clean cotton',
        '',
        'Questions to ask a brand: can you name the spinning mills behind this product?',
        'Do you publish your full list of suppliers, and how often is it updated?',
      ],
      [
        'Running a stall',
        '',
        'Bring the petition on paper and the link for phones.',
        'Keep photographs of supporters off social media unless they say yes.',
      ],
    ],
  },
  {
    title: 'Submission to the committee on supply chains',
    slug: 'submission-committee-on-supply-chains',
    summary: 'Our written evidence: a duty on importers, published decisions, and a safe route for evidence.',
    type: 'submission',
    publishedOn: '2026-07-02',
    pages: [
      [
        'Written evidence from Freedom Thread',
        '',
        'We ask the committee to recommend a duty on importers to show clean supply.',
        'Every decision should be published, and affected communities should be able to give evidence safely.',
      ],
    ],
  },
];

/** A small real PDF: a page per list of lines, in Helvetica. */
async function pdfOf(title: string, pages: string[][]): Promise<Buffer> {
  // Loaded only when the demo is seeded.
  const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setAuthor('Freedom Thread (demo)');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    let y = 780;
    lines.forEach((line, i) => {
      page.drawText(line, { x: 56, y, size: i === 0 ? 18 : 11, font: i === 0 ? bold : font, color: rgb(0.1, 0.1, 0.1), maxWidth: 480 });
      y -= i === 0 ? 32 : 18;
    });
  }
  return Buffer.from(await doc.save());
}

/** Seeds the demo resources, published, linked to the demo campaign when there is one. */
export async function seedResourcesDemo(core: Core): Promise<void> {
  const campaign = await getCampaign(core.db, { slug: 'free-the-supply-chain' });
  for (const r of RESOURCES) {
    const { pages, ...input } = r;
    const bytes = await pdfOf(r.title, pages);
    const made = await createResource(core, { ...input, campaignId: campaign?.id ?? null }, { bytes, truncated: false }, { id: null });
    await readResourceText(core, made.id);
    await setResourcePublished(core, made.id, true, { id: null });
  }
}
