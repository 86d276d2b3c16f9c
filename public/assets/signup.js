// The sign-up form's one enhancement: an ALTCHA proof of work that runs when the form is sent, so robots pay for
// each sign-up and people do nothing. Everything comes from this site: the widget (its CSP-friendly build, without
// inline styles), its stylesheet and its worker. Without JavaScript, or if the check fails, the form still works:
// the server then applies a stricter limit and, as always, asks the address to confirm by email.
import '/assets/altcha/altcha.js';

const altcha = globalThis.$altcha;

const css = document.createElement('link');
css.rel = 'stylesheet';
css.href = '/assets/altcha/altcha.css';
document.head.append(css);

altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker('/assets/altcha/pbkdf2-worker.js'));

// No logo or link to the maker's site, and no collection of mouse or keyboard signals.
altcha.defaults.set({ hideLogo: true, hideFooter: true, humanInteractionSignature: false });

altcha.i18n.set('en', {
  ...altcha.i18n.get('en'),
  label: 'I am not a robot (checked for you when you press Sign up)',
  verifying: 'Checking that you are a person…',
  verified: 'Checked: you can sign up',
  waitAlert: 'Checking that you are a person. Please wait a moment.',
  error: 'The automatic check did not work. Press Sign up again to send the form anyway.',
  expired: 'The check ran out of time. Press Sign up again.',
  verificationRequired: 'Please wait for the check to finish.',
});
