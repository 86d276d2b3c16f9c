import MarkdownIt from 'markdown-it';

// The words of a Markdown text as a reader sees them, for the search index: link text without its address, an
// image's description, code as written, one line per paragraph, heading, list item or table cell. Raw HTML is not
// parsed (as on our pages), so it stays as the literal characters that were typed.

const md = new MarkdownIt({ html: false, linkify: false, typographer: true });

type Token = ReturnType<typeof md.parse>[number];

function inlineText(children: readonly Token[]): string {
  let out = '';
  for (const t of children) {
    if (t.type === 'text' || t.type === 'code_inline') out += t.content;
    else if (t.type === 'softbreak' || t.type === 'hardbreak') out += ' ';
    else if (t.type === 'image') out += t.children ? inlineText(t.children) : t.content;
  }
  return out;
}

/** The plain text of a Markdown text: what a reader would read, with no markup and no link addresses. */
export function plainTextOfMarkdown(source: string): string {
  const lines: string[] = [];
  for (const t of md.parse(source, {})) {
    if (t.type === 'inline') lines.push(inlineText(t.children ?? []));
    else if (t.type === 'fence' || t.type === 'code_block') lines.push(t.content);
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n');
}
