// lantern/own-tables: each table belongs to one capability (ARCHITECTURE.md, "Who owns which table"). Only that
// capability's files may name it in a Kysely query (selectFrom, insertInto, updateTable, deleteFrom, joins);
// another capability asks the owner's service. Routes and views name no table at all.
// The owners are read from the code itself: core's Schema in src/core/db/schema.ts, and each capability's
// `declare module … interface Schema { … }` in its tables.ts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');

function tablesIn(text) {
  const start = text.indexOf('interface Schema {');
  if (start < 0) return [];
  const body = text.slice(start, text.indexOf('}', start));
  return [...body.matchAll(/^\s+(\w+): \w+;/gm)].map((m) => m[1]);
}

function findTablesFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return findTablesFiles(p);
    return name === 'tables.ts' ? [p] : [];
  });
}

/** table name → owning folder below src/ ('core', 'supporters', 'actions/letters'…). */
function ownerMap() {
  const owners = new Map();
  for (const t of tablesIn(readFileSync(join(srcDir, 'core/db/schema.ts'), 'utf8'))) owners.set(t, 'core');
  for (const file of findTablesFiles(srcDir)) {
    const folder = relative(srcDir, dirname(file)).split(sep).join('/');
    for (const t of tablesIn(readFileSync(file, 'utf8'))) owners.set(t, folder);
  }
  return owners;
}

const QUERY_METHODS = new Set([
  'selectFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'innerJoin',
  'leftJoin',
  'rightJoin',
  'fullJoin',
  'mergeInto',
  'replaceInto',
]);

const tableOf = (node) => (node?.type === 'Literal' && typeof node.value === 'string' ? node.value.trim().split(/\s+/)[0] : undefined);

export default {
  rules: {
    'own-tables': {
      meta: { type: 'problem', schema: [], docs: { description: 'A table is queried only by the capability that owns it.' } },
      create(context) {
        const file = relative(srcDir, context.filename).split(sep).join('/');
        if (file.startsWith('..') || /\.test\.tsx?$/.test(file) || file.startsWith('core/db/migrations/')) return {};
        const owners = ownerMap();
        const folders = [...new Set(owners.values())].sort((a, b) => b.length - a.length);
        const mine = folders.find((f) => file.startsWith(`${f}/`));
        const presentation = /(^|\/)[a-z-]*(views|routes)\.tsx?$/.test(file);
        return {
          CallExpression(node) {
            const callee = node.callee;
            if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !QUERY_METHODS.has(callee.property.name))
              return;
            const args = node.arguments[0]?.type === 'ArrayExpression' ? node.arguments[0].elements : [node.arguments[0]];
            for (const arg of args) {
              const table = tableOf(arg);
              if (!table || !owners.has(table)) continue;
              if (presentation) {
                context.report({ node: arg, message: `Routes and views hold no SQL: move this query on '${table}' into a queries file.` });
              } else if (owners.get(table) !== mine) {
                context.report({
                  node: arg,
                  message: `The table '${table}' belongs to ${owners.get(table)}: ask its service instead of querying it from ${mine ?? file}.`,
                });
              }
            }
          },
        };
      },
    },
  },
};
