// The house's walls (ARCHITECTURE.md, "Lint rules"): `npm run lint` fails on any of these.
/** Tests may look anywhere to assert what changed; the rules are about the product's own imports. */
const notTests = ['\\.test\\.tsx?$', '^test/', '^bench/'];

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles: a plug-in registry is assembled where capabilities are, and handed down.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-knows-no-capability',
      severity: 'error',
      comment: 'src/core/ is shared machinery: it imports no capability.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'capabilities-meet-through-their-service',
      severity: 'error',
      comment: "A capability reaches another only through that one's service.ts (or capability.ts, for assembling).",
      from: { path: '^src/([^/]+)/', pathNot: notTests },
      to: {
        path: '^src/[^/]+/',
        pathNot: ['^src/$1/', '^src/core/', '^src/[^/]+/(service|capability)\\.tsx?$'],
      },
    },
    {
      name: 'the-root-assembles-through-capabilities',
      severity: 'error',
      comment: 'app.ts and cli.ts reach a capability only through its capability.ts or service.ts.',
      from: { path: '^src/[^/]+\\.tsx?$' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/core/', '^src/[^/]+/(service|capability)\\.tsx?$'] },
    },
    {
      name: 'the-actions-frame-imports-no-kind',
      severity: 'error',
      comment: 'The actions frame is handed its kinds by actions/capability.ts; it never imports one.',
      from: { path: '^src/actions/[^/]+\\.tsx?$', pathNot: ['^src/actions/capability\\.tsx?$', ...notTests] },
      to: { path: '^src/actions/[^/]+/' },
    },
    {
      name: 'kinds-meet-through-the-frame',
      severity: 'error',
      comment: 'A kind of action never imports another kind.',
      from: { path: '^src/actions/([^/]+)/', pathNot: notTests },
      to: { path: '^src/actions/[^/]+/', pathNot: '^src/actions/$1/' },
    },
    {
      name: 'views-do-not-query',
      severity: 'error',
      comment: 'Views render what services loaded; they never import queries.',
      from: { path: '(^|/)[a-z-]*views\\.tsx?$' },
      to: { path: '(^|/)[a-z-]*queries\\.ts$' },
    },
    {
      name: 'routes-hold-no-sql',
      severity: 'error',
      comment: 'Routes parse, check, call the service and render; they never import queries.',
      from: { path: '(^|/)[a-z-]*routes\\.tsx?$' },
      to: { path: '(^|/)[a-z-]*queries\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
