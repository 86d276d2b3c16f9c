import type { AuditDescriber, AuditDescription } from '../../core/audit.js';

// The WordPress import's audit code in words, after the name of who did it ("the WordPress import imported …").

/** What each audit code of the WordPress import says. */
export const wordpressAuditWords: Readonly<Record<string, string>> = {
  'wordpress.import': 'imported a WordPress export',
};

/** Puts the WordPress import's audit entries in words. */
export function describeWordPressAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const words = wordpressAuditWords[e.action];
      if (words)
        out.set(e.id, {
          did: words,
          href: '/admin/content/wordpress',
          ...(e.staffId === null ? { who: 'The WordPress import (lantern import wordpress)' } : {}),
        });
    }
    return out;
  };
}
