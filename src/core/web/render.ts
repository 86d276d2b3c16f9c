import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** Renders a full HTML document; preact escapes every string it is given, so views cannot inject markup. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function renderDocument(vnode: VNode<any>): string {
  return `<!doctype html>${renderToString(vnode)}`;
}
