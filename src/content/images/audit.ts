import { targetId, type AuditDescriber, type AuditDescription } from '../../core/audit.js';

// The audit codes of the website's images in words ("Amina uploaded an image for the website").

const WORDS: Readonly<Record<string, string>> = {
  'content.image.upload': 'uploaded an image for the website',
  'content.image.describe': 'changed the description of a website image',
  'content.image.delete': 'deleted a website image',
};

/** Puts the audit entries of images in words, each linking to the images page. */
export function describeImagesAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const did = WORDS[e.action];
      if (!did) continue;
      const id = targetId(e.target, 'image');
      out.set(e.id, { did, href: id ? `/admin/content/images#image-${id}` : '/admin/content/images' });
    }
    return out;
  };
}
