import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Core } from '../../core/context.js';
import type { SignOnStatus } from './tables.js';
import { emailIndex } from '../../supporters/service.js';
import type { Action } from '../kinds.js';
import { scheduleCountRefresh } from '../service.js';
import { insertFile } from '../../core/files.js';
import { insertSignOn } from './queries.js';
import { signOnDetailColumns } from './service.js';
import type { SignOnSettings } from './settings.js';

// Fictional organisations signing the demo statement: most listed, one waiting for review. Every organisation,
// person, website and address here is made up; the websites are under example.org, which no one can own.

const HOUR = 3600_000;

interface DemoOrganisation {
  organisation: string;
  website: string | null;
  contact: string;
  role: string | null;
  email: string;
  status: Extract<SignOnStatus, 'approved' | 'pending'>;
  /** Hours before now that it signed (approval follows a few hours later). */
  hoursAgo: number;
  /** A logo's colours: background and band (RGB), or none. */
  logo?: readonly [readonly [number, number, number], readonly [number, number, number]];
}

const ORGANISATIONS: readonly DemoOrganisation[] = [
  {
    organisation: 'Threadwatch Coalition',
    website: 'https://threadwatch.example.org/',
    contact: 'Miriam Okonkwo-Hale',
    role: 'Coordinator',
    email: 'miriam@threadwatch.example.org',
    status: 'approved',
    hoursAgo: 120,
    logo: [
      [31, 78, 121],
      [242, 169, 59],
    ],
  },
  {
    organisation: 'Tarim Diaspora Women’s Circle',
    website: 'https://tarim-circle.example.org/',
    contact: 'Gulnar Sadiq',
    role: 'Chair',
    email: 'chair@tarim-circle.example.org',
    status: 'approved',
    hoursAgo: 96,
    logo: [
      [122, 30, 72],
      [250, 240, 230],
    ],
  },
  {
    organisation: 'St Aidan’s Justice and Peace Group',
    website: null,
    contact: 'Father Tomas Brennan',
    role: 'Parish priest',
    email: 'justice.peace@st-aidans.example.org',
    status: 'approved',
    hoursAgo: 80,
  },
  {
    organisation: 'بىرلىك مەدەنىيەت مەركىزى',
    website: 'https://birlik.example.org/',
    contact: 'Abdurehim Tursun',
    role: 'Secretary',
    email: 'info@birlik.example.org',
    status: 'approved',
    hoursAgo: 50,
  },
  {
    organisation: 'Fair Cotton Network',
    website: 'https://fair-cotton.example.org/members',
    contact: 'Priya Raman',
    role: 'Policy lead',
    email: 'policy@fair-cotton.example.org',
    status: 'approved',
    hoursAgo: 30,
  },
  {
    organisation: 'Brightwater Ethical Traders Association',
    website: 'https://brightwater-traders.example.org/',
    contact: 'Hugh Pemberton',
    role: null,
    email: 'hugh@brightwater-traders.example.org',
    status: 'pending',
    hoursAgo: 5,
  },
];

/** A small PNG logo: a square of one colour with a band of another across the middle (made here, so nothing is copied). */
export function demoLogoPng(background: readonly [number, number, number], band: readonly [number, number, number], size = 64): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then RGB
    const c = y > size / 3 && y < (2 * size) / 3 ? band : background;
    for (let x = 0; x < size; x++) row.set(c, 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Fictional organisations for a demo sign-on statement: five listed (two with logos), one waiting for review. */
export async function seedSignOnsDemo(core: Core, action: Action<SignOnSettings>): Promise<void> {
  const { keyring } = core;
  const now = Date.now();
  await core.db.transaction().execute(async (trx) => {
    for (const o of ORGANISATIONS) {
      const created = now - o.hoursAgo * HOUR;
      const logo = o.logo ? demoLogoPng(o.logo[0], o.logo[1]) : undefined;
      const logoFileId = logo
        ? await insertFile(trx, {
            contentType: 'image/png',
            bytes: logo,
            sha256: createHash('sha256').update(logo).digest('hex'),
            at: created,
          })
        : null;
      await insertSignOn(trx, {
        action_id: action.id,
        ...signOnDetailColumns(core, { organisation: o.organisation, website: o.website }, o.status),
        contact_name_enc: keyring.encrypt(o.contact),
        contact_role_enc: keyring.encryptNullable(o.role),
        email_index: emailIndex(keyring, o.email),
        email_enc: keyring.encrypt(o.email),
        logo_file_id: logoFileId,
        status: o.status,
        created_at: created,
        confirmed_at: created + 10 * 60_000,
        decided_at: o.status === 'approved' ? created + 3 * HOUR : null,
        decided_by: null,
      });
    }
    await scheduleCountRefresh(core, trx, action.id, now);
  });
}
