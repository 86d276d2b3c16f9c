import { convert } from 'html-to-text';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** The frame every email shares: a plain, readable single column that survives any mail client. */
function EmailLayout({ orgName, footer, children }: { orgName: string; footer?: ComponentChildren; children: ComponentChildren }) {
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </head>
      <body style="margin:0;padding:0;background:#f4f1ea;font-family:Helvetica,Arial,sans-serif;color:#1d1d1b;">
        <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style="background:#f4f1ea;">
          <tr>
            <td align="center" style="padding:24px 12px;">
              <table
                role="presentation"
                width="100%"
                cellPadding="0"
                cellSpacing="0"
                style="max-width:600px;background:#ffffff;border-radius:6px;"
              >
                <tr>
                  <td style="padding:20px 28px;border-bottom:3px solid #c8611b;font-weight:bold;font-size:18px;">{orgName}</td>
                </tr>
                <tr>
                  <td style="padding:24px 28px;font-size:16px;line-height:1.5;">{children}</td>
                </tr>
                {footer && (
                  <tr>
                    <td style="padding:16px 28px;font-size:13px;line-height:1.4;color:#5b5b57;border-top:1px solid #e4e0d6;">{footer}</td>
                  </tr>
                )}
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
}

/** Renders an email template to HTML (escaped by preact) and a plain-text alternative derived from it. */
export function renderEmail(o: { subject: string; orgName: string; body: VNode; footer?: ComponentChildren }): RenderedEmail {
  const html = `<!doctype html>${renderToString(
    <EmailLayout orgName={o.orgName} footer={o.footer}>
      {o.body}
    </EmailLayout>,
  )}`;
  const text = convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'block' },
    ],
  });
  return { subject: o.subject, html, text };
}
