import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { optionalText } from '../../core/web/forms.js';
import { anyone, get, type RouteTable } from '../../core/web/routes.js';
import { MAX_QUERY_LENGTH, SEARCH_KINDS, searchSite } from './service.js';
import { SearchView, type SearchState } from './views.js';

// The public search page: a GET form and its results, so it works without JavaScript and a search can be bookmarked
// or shared. Results are never cached by search (the page shell caches only pages that ask), and a results page
// asks search engines not to index it.

export const publicRoutes: RouteTable = [get('/search', anyone, showSearch)];

export const PER_PAGE = 10;
/** Pages past this are not offered: nobody reads the thousandth result, and deep pages cost the most. */
const MAX_PAGE = 100;

// The first of a repeated field (a hand-made address), as a browser would send it once.
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const optionalId = z.preprocess(first, z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional()).catch(undefined);

const SearchWords = z.object({
  q: z.preprocess(first, optionalText('your search', { max: MAX_QUERY_LENGTH })),
});
// Filters come from the page's own links: one that makes no sense is ignored rather than refused.
const SearchFilters = z.object({
  kind: z.preprocess(first, z.enum(SEARCH_KINDS as [string, ...string[]]).optional()).catch(undefined),
  year: z.preprocess(first, z.coerce.number().int().min(1900).max(2999).optional()).catch(undefined),
  campaign: optionalId,
  category: optionalId,
  page: z.preprocess(first, z.coerce.number().int().min(1).max(MAX_PAGE).default(1)).catch(1),
});

async function showSearch(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const words = SearchWords.safeParse(req.query ?? {});
  const filters = SearchFilters.parse(req.query ?? {});
  const state: SearchState = {
    q: words.success ? (words.data.q ?? '') : String(first((req.query as Record<string, unknown> | undefined)?.q) ?? ''),
    kind: filters.kind as SearchState['kind'],
    year: filters.year,
    campaignId: filters.campaign,
    categoryId: filters.category,
    page: filters.page,
  };
  const site = await getSiteSettings(core.db);
  if (!words.success) {
    return reply.page({
      title: 'Search',
      status: 400,
      head: { meta: [{ name: 'robots', content: 'noindex' }] },
      body: (
        <SearchView
          state={state}
          error={words.error.issues[0]?.message ?? 'Please check your search.'}
          tz={site.timeZone}
          perPage={PER_PAGE}
        />
      ),
    });
  }
  const results = state.q ? await searchSite(core.db, { ...state, kind: state.kind, perPage: PER_PAGE }) : undefined;
  return reply.page({
    title: state.q ? `Search results for “${state.q}”` : 'Search',
    description: 'Search our updates, campaigns, resources and pages.',
    head: state.q ? { meta: [{ name: 'robots', content: 'noindex' }] } : undefined,
    body: <SearchView state={state} results={results} tz={site.timeZone} perPage={PER_PAGE} maxPage={MAX_PAGE} />,
  });
}
