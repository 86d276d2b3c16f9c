// What the newsletter benchmark's children share: the configuration they run Lantern with, and the newsletter.
import type { DatabaseConfig } from '../../src/core/config.js';
import { loadConfig, type Config } from '../../src/core/config.js';

/** A realistic newsletter: a few paragraphs, a heading, a list and links, with both placeholders (about 2 KB). */
export const BENCH_BODY = [
  'Dear {{first_name}},',
  '',
  'Pick up almost any cotton jumper on the high street and the label will tell you where it was sewn. It will not',
  'tell you where the cotton was grown, spun or dyed, and that is where forced labour hides.',
  '',
  '## What we found this autumn',
  '',
  'Our volunteers traced the supply chains of 40 everyday garments bought in six UK cities. For 31 of them, the',
  'brand could not, or would not, name the mill that made the yarn. Nine brands did, and we thank them.',
  '',
  '- **Ask before you buy.** Email the brand and ask which mills spin its cotton.',
  '- **Write to your MP.** Ask them to back a law making importers prove their goods were not made by people held',
  '  against their will. [Our letter tool](https://freedomthread.example.org/act) takes two minutes.',
  '- **Share the findings.** [The briefing](https://freedomthread.example.org/briefing) is free to quote.',
  '',
  'Thank you for standing with the people who make our clothes.',
  '',
  'The team at {{org_name}}',
].join('\n');

/** The instance secret of the benchmark's database (every process that reads it needs the same). */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';

export const BENCH_SUBJECT = 'What the label on your jumper does not say, {{first_name}}';

/** The configuration a benchmark child runs Lantern with: the given database and mail server, quiet logs, no demo. */
export function benchConfig(o: { database: DatabaseConfig; dataDir: string; smtpUrl?: string }): Config {
  return loadConfig({
    DATABASE_URL: o.database.dialect === 'sqlite' ? `sqlite:${o.database.file}` : o.database.url,
    LANTERN_DATA_DIR: o.dataDir,
    LANTERN_SECRET: BENCH_SECRET,
    BASE_URL: 'https://freedomthread.example.org',
    MAIL_FROM: 'Freedom Thread <news@freedomthread.example.org>',
    LANTERN_DEMO: 'false',
    LANTERN_WORKER: 'off',
    LOG_LEVEL: 'warn',
    ...(o.smtpUrl ? { SMTP_URL: o.smtpUrl } : {}),
  });
}
