import { targetId, type AuditDescriber, type AuditDescription } from '../../core/audit.js';

// The audit codes of the website's campaign pages, quotes, messages and resources in words.

const WORDS: Readonly<Record<string, { did: string; href: (id: number | undefined) => string }>> = {
  'campaign_hub.save': {
    did: 'changed a campaign’s page',
    href: (id) => (id ? `/admin/content/campaigns/${id}` : '/admin/content/campaigns'),
  },
  'testimonial.add': { did: 'added a quote to “What people say”', href: () => '/admin/content/testimonials' },
  'testimonial.withdraw': { did: 'stopped showing a quote', href: () => '/admin/content/testimonials' },
  'testimonial.delete': { did: 'deleted a quote', href: () => '/admin/content/testimonials' },
  'contact_message.handled': { did: 'marked a contact message as answered', href: () => '/admin/content/messages' },
  'contact_message.delete': { did: 'deleted a contact message', href: () => '/admin/content/messages' },
  'resource.create': { did: 'added a resource', href: (id) => `/admin/content/resources/${id ?? ''}` },
  'resource.save': { did: 'changed a resource', href: (id) => `/admin/content/resources/${id ?? ''}` },
  'resource.replace': { did: 'replaced the file of a resource', href: (id) => `/admin/content/resources/${id ?? ''}` },
  'resource.publish': { did: 'published a resource', href: (id) => `/admin/content/resources/${id ?? ''}` },
  'resource.unpublish': { did: 'took a resource off the website', href: (id) => `/admin/content/resources/${id ?? ''}` },
  'resource.delete': { did: 'deleted a resource', href: () => '/admin/content/resources' },
  'page.save': { did: 'changed a page of the website', href: () => '/admin/content/pages' },
};

/** Puts the audit entries of campaign pages, quotes, messages, resources and pages in words. */
export function describeSiteAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const w = WORDS[e.action];
      if (!w) continue;
      const noun = e.target?.split(' ').slice(0, -1).join(' ') ?? '';
      out.set(e.id, { did: w.did, href: w.href(noun ? targetId(e.target, noun) : undefined) });
    }
    return out;
  };
}
