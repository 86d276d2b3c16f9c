import { Notice, TableWrap, Time } from '../core/web/components.js';
import type { RepresentativesStatus } from './service.js';

const KEY_LABELS: Record<string, string> = {
  constituencies: 'Constituencies',
  mps: 'MPs',
  ranges: 'Postcode ranges (every GB postcode)',
  outcodes: 'GB postcode districts',
  postcodes: 'Imported postcodes',
};
const ORIGIN_LABELS: Record<string, string> = { none: 'Not loaded', shipped: 'Shipped with Lantern', import: 'Imported' };
const n = (x: number) => x.toLocaleString('en-GB');
const DETAIL_LABELS: Record<string, string> = {
  rows: 'rows read',
  imported: 'postcodes imported',
  terminated: 'terminated postcodes',
  northernIreland: 'Northern Ireland postcodes in the file',
  northernIrelandStored: 'Northern Ireland postcodes stored',
  updated: 'MPs set',
  vacated: 'seats marked vacant',
};

export function RepresentativesAdminView({ status: s, tz }: { status: RepresentativesStatus; tz: string }) {
  return (
    <>
      <h1>MPs and postcodes</h1>
      <p class="lede">
        Supporters writing to their MP are matched from their postcode to one of {n(s.constituencies)} constituencies and its MP.
      </p>
      <p>
        Every postcode in Great Britain is matched with mySociety's postcode range table, which ships with Lantern (built from Ordnance
        Survey's Code-Point Open of mid-2023); postcodes imported from the ONS postcode directory win over it. Northern Ireland is not
        covered by open data: supporters there choose their constituency from its 18, unless their postcode was imported.
      </p>
      {s.postcodes === 0 && (
        <Notice>
          No postcodes are imported. Postcodes created since mid-2023 may be missing from the range table, or matched to a neighbouring
          constituency. To match every postcode from the ONS's own directory, run on the server{' '}
          <code>npx lantern import postcodes ONSPD_….csv</code> (ONSPD or NSPL, August 2024 or later): imported postcodes win over the range
          table.
        </Notice>
      )}
      <section aria-labelledby="counts-h">
        <h2 id="counts-h">What is loaded</h2>
        <dl class="stats">
          <div>
            <dt>Constituencies</dt>
            <dd>{n(s.constituencies)}</dd>
          </div>
          <div>
            <dt>MPs</dt>
            <dd>{n(s.mps)}</dd>
          </div>
          <div>
            <dt>Vacant seats</dt>
            <dd>{n(s.vacantSeats)}</dd>
          </div>
          <div>
            <dt>MPs without an email address</dt>
            <dd class={s.mpsWithoutEmail > 0 ? 'bad' : undefined}>{n(s.mpsWithoutEmail)}</dd>
          </div>
          <div>
            <dt>Postcode ranges</dt>
            <dd>{n(s.postcodeRanges)}</dd>
          </div>
          <div>
            <dt>GB postcode districts</dt>
            <dd>{n(s.outcodes)}</dd>
          </div>
          <div>
            <dt>Imported postcodes</dt>
            <dd>{n(s.postcodes)}</dd>
          </div>
          {s.northernIrelandPostcodes > 0 && (
            <div>
              <dt>Of them in Northern Ireland</dt>
              <dd>{n(s.northernIrelandPostcodes)}</dd>
            </div>
          )}
        </dl>
      </section>
      <section aria-labelledby="sources-h">
        <h2 id="sources-h">Where it came from</h2>
        <TableWrap label="Data sources">
          <table>
            <thead>
              <tr>
                <th scope="col">Data</th>
                <th scope="col">Source</th>
                <th scope="col">File</th>
                <th scope="col">Rows</th>
                <th scope="col">Loaded</th>
                <th scope="col">Version (SHA-256)</th>
                <th scope="col">Counts of the last load</th>
              </tr>
            </thead>
            <tbody>
              {s.sources.map((src) => (
                <tr key={src.key}>
                  <th scope="row">{KEY_LABELS[src.key] ?? src.key}</th>
                  <td>{ORIGIN_LABELS[src.origin] ?? src.origin}</td>
                  <td>{src.file || '—'}</td>
                  <td>{n(src.rows)}</td>
                  <td>
                    <Time ms={src.loadedAt} timeZone={tz} />
                  </td>
                  <td>
                    <code title={src.version}>{src.version ? src.version.slice(0, 12) : '—'}</code>
                  </td>
                  <td>
                    {Object.keys(src.details).length === 0 ? (
                      '—'
                    ) : (
                      <ul class="plain-list">
                        {Object.entries(src.details).map(([k, v]) => (
                          <li key={k}>
                            {DETAIL_LABELS[k] ?? `skipped, ${k}`}: {n(v)}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </section>
      <section aria-labelledby="refresh-h">
        <h2 id="refresh-h">Refreshing the data</h2>
        <p>
          Constituencies, MPs (as of June 2026) and the postcode range table ship with Lantern and are reloaded when an upgrade brings newer
          files. Between upgrades, run these on the server:
        </p>
        <ul>
          <li>
            <code>npx lantern import mps FILE</code>: a CSV in the layout of <code>opendata/uk/current_mps.csv</code>, or JSON from the UK
            Parliament Members API.
          </li>
          <li>
            <code>npx lantern import postcodes FILE</code>: the ONS Postcode Directory (ONSPD) or National Statistics Postcode Lookup
            (NSPL), as CSV or CSV.gz.
          </li>
        </ul>
        <p>
          The site shows the attributions these open data licences ask for on its <a href="/data-sources">data sources page</a>.
        </p>
      </section>
    </>
  );
}
