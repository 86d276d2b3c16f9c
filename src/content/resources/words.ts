import type { ResourceType } from './tables.js';

/** Each type of resource in supporters' and staff's words. */
export const RESOURCE_TYPES_IN_WORDS: Readonly<Record<ResourceType, string>> = {
  briefing: 'Briefing paper',
  pack: 'Resource pack',
  submission: 'Submission',
  report: 'Report',
  guide: 'Guide',
  other: 'Other',
};
