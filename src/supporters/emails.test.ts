import { expect, test } from 'vitest';
import { newToken } from '../core/crypto.js';
import { confirmSignupEmail, renderConfirmSignupEmail } from './emails.js';

// Confirmation emails are rendered once per variant and the link's token swapped in: the result must be exactly
// what rendering each email afresh gives.

test('a confirmation email from the template is the same as one rendered afresh', () => {
  for (const lists of [['Campaign updates'], ['Campaign updates', 'Events & vigils <today>'], []]) {
    for (let i = 0; i < 3; i++) {
      const o = { orgName: 'Freedom "Thread"', lists, link: `https://campaign.example.org/s/confirm/${newToken()}`, days: 30 };
      const cached = confirmSignupEmail(o);
      expect(cached).toEqual(renderConfirmSignupEmail(o));
      expect(cached.text).toContain(o.link);
      expect(cached.html).toContain(`href="${o.link}"`);
      expect(cached.html + cached.text).not.toContain('StandIn');
    }
  }
});
