import { SignupBlock, type PublicList } from '../supporters/service.js';
import type { Page } from './service.js';

export function HomeView({ page, tagline, signupLists = [] }: { page: Page; tagline: string; signupLists?: readonly PublicList[] }) {
  return (
    <>
      <section class="hero">
        <h1>{page.title}</h1>
        {tagline && <p class="lede">{tagline}</p>}
      </section>
      <div class="prose" dangerouslySetInnerHTML={{ __html: page.html }} />
      <SignupBlock lists={signupLists} />
    </>
  );
}

export function PageView({ page }: { page: Page }) {
  return (
    <article class="page">
      <h1>{page.title}</h1>
      {page.summary && <p class="lede">{page.summary}</p>}
      <div class="prose" dangerouslySetInnerHTML={{ __html: page.html }} />
    </article>
  );
}

// The attribution lines the open data's licences ask for (see ../shared/data/uk/README.md).
export const DATA_ATTRIBUTIONS = [
  'Contains Parliamentary information licensed under the Open Parliament Licence v3.0.',
  'Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right; Source: Office for National Statistics licensed under the Open Government Licence v3.0.',
  'Constituency and postcode lookup © mySociety, CC BY 4.0.',
  'Contains public sector information licensed under the Open Government Licence v3.0 (MPs list: Department for Education, from UK Parliament data).',
];

export function DataSourcesView() {
  return (
    <article class="page">
      <h1>Data sources and attributions</h1>
      <p class="lede">This site uses open data to find your constituency and your MP from your postcode.</p>
      <ul class="prose">
        {DATA_ATTRIBUTIONS.map((a) => (
          <li key={a}>{a}</li>
        ))}
      </ul>
      <p>This site runs on Lantern, free software licensed under the GNU Affero General Public License v3.0.</p>
    </article>
  );
}
