// The public forms' one enhancement (newsletter sign-up, petitions, letters, sign-ons): an ALTCHA proof of work that
// runs when the form is sent, so robots pay for each submission and people do nothing. Everything comes from this
// site: the widget (its CSP-friendly build, without inline styles), its stylesheet and its worker. Without
// JavaScript, or if the check fails, every form still works: the server then applies a stricter limit and, as
// always, asks the address to confirm by email.
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
  label: 'I am not a robot (checked for you when you send the form)',
  verifying: 'Checking that you are a person…',
  verified: 'Checked: you can send the form',
  waitAlert: 'Checking that you are a person. Please wait a moment.',
  error: 'The automatic check did not work. Press the button again to send the form anyway.',
  expired: 'The check ran out of time. Press the button again.',
  verificationRequired: 'Please wait for the check to finish.',
});

// A field that matters only while a box is ticked (a petition's town, shown with "show my first name and town")
// names that box in data-shown-with. Without JavaScript the field simply stays visible.
for (const field of document.querySelectorAll('[data-shown-with]')) {
  const box = document.getElementById(field.dataset.shownWith);
  if (!(box instanceof HTMLInputElement)) continue;
  const sync = () => { field.hidden = !box.checked; };
  box.addEventListener('change', sync);
  sync();
}
