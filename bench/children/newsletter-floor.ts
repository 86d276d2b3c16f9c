// The floor of the newsletter benchmark: raw nodemailer with Lantern's bulk pool settings (pooled SMTP, 5
// connections, 100 messages per connection) sending the same newsletter, already rendered, to `messages`
// addresses in the same sink, keeping `outstanding` sends in flight. No database, no personalisation: what the
// mail library alone does on this machine.
import nodemailer from 'nodemailer';
import { compileNewsletter, personalise } from '../../src/newsletters/emails.js';
import { serveChild } from '../lib/child.js';
import { BENCH_BODY, BENCH_SUBJECT } from './newsletter-common.js';

export interface FloorInput {
  smtpUrl: string;
  messages: number;
  outstanding: number;
}

export interface FloorResult {
  sent: number;
  elapsedMs: number;
  perSec: number;
  peakRssMb: number;
  cpuUsPerMessage: number;
}

serveChild<FloorInput, FloorResult>(async (input) => {
  const transporter = nodemailer.createTransport({ url: input.smtpUrl, pool: true, maxConnections: 5, maxMessages: 100 } as Parameters<
    typeof nodemailer.createTransport
  >[0]);
  const email = personalise(
    compileNewsletter({
      subject: BENCH_SUBJECT,
      body: BENCH_BODY,
      orgName: 'Freedom Thread',
      listName: 'Campaign updates',
      postalAddress: 'Freedom Thread\n2 Sample Yard\nLondon',
      charityNumber: '1190000',
      webUrl: 'https://freedomthread.example.org/newsletters/2026-11-25-what-the-label-on-your-jumper-does-not-say',
    }),
    {
      firstName: 'Gülnar',
      orgName: 'Freedom Thread',
      manageUrl: 'https://freedomthread.example.org/s/manage/AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
    },
  );
  const headers = {
    'List-Unsubscribe': '<https://freedomthread.example.org/s/unsubscribe/AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB/1>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let sent = 0;
  const lane = async () => {
    while (next < input.messages) {
      const i = next++;
      await transporter.sendMail({
        from: 'Freedom Thread <news@freedomthread.example.org>',
        to: `floor${i}@example.org`,
        replyTo: 'hello@freedomthread.example.org',
        subject: email.subject,
        html: email.html,
        text: email.text,
        headers,
        messageId: `<floor${i}.bench@freedomthread.example.org>`,
      });
      sent++;
    }
  };
  await Promise.all(Array.from({ length: input.outstanding }, lane));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  transporter.close();
  return {
    sent,
    elapsedMs,
    perSec: sent / (elapsedMs / 1000),
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    cpuUsPerMessage: (cpu.user + cpu.system) / sent,
  };
});
