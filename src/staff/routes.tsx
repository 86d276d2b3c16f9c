import type { Capability } from '../core/context.js';

export const staffCapability: Capability = {
  name: 'staff',
};
