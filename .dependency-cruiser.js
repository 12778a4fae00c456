/** The architecture, checked on every test run: what may depend on what. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The ledger domain knows no framework, transport or storage.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: '^src/domain' },
    },
    {
      name: 'queries-never-touch-the-write-side',
      comment: 'Queries answer from read models only.',
      severity: 'error',
      from: { path: '^src/queries' },
      to: { path: '^src/(commands|event-store|process-managers)' },
    },
    {
      name: 'projections-are-pure-folds',
      comment: 'A read model is a function of (document, event): no framework, no I/O.',
      severity: 'error',
      from: { path: '^projections' },
      to: { path: '^src/(http|app|commands|queries|relay)|node_modules/' },
    },
    {
      name: 'projection-runner-knows-no-http',
      severity: 'error',
      from: { path: '^src/projecting' },
      to: { path: '^src/(http|app|commands|queries)|node_modules/express' },
    },
    {
      name: 'ports-do-not-depend-on-adapters',
      comment: 'Adapters depend on ports, never the reverse.',
      severity: 'error',
      from: { path: '\\.port\\.ts$' },
      to: { path: '/(embedded|mongodb|kafka|eventstoredb|in-process)/' },
    },
    {
      name: 'only-adapters-import-drivers',
      comment:
        'Drivers stay behind the adapters that wrap them (benchmarks aside: the raw driver is their baseline).',
      severity: 'error',
      from: { pathNot: ['/(embedded|mongodb|kafka|eventstoredb)/', '^bench/'] },
      to: { path: 'node_modules/(better-sqlite3|mongodb|kafkajs|@eventstore)' },
    },
    {
      name: 'production-code-never-imports-tests',
      comment: 'Test support is for tests: the running system and its scripts must not need it.',
      severity: 'error',
      from: { path: '^(src|projections|scripts)/' },
      to: { path: '^test/' },
    },
    {
      name: 'benchmarks-never-import-tests',
      comment:
        'Benchmarks share process helpers with the tests through harness/, never test code itself.',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'harness-never-imports-tests',
      comment: 'harness/ is what tests and benchmarks share: it must not pull either in.',
      severity: 'error',
      from: { path: '^harness/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code (entry points and type declarations aside).',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '^src/main\\.ts$',
          // Benchmarks are entry points: run by npm scripts, imported by nothing.
          '^bench/.+\\.bench\\.ts$',
          '^bench/cpu-profile-summary\\.ts$',
          '^bench/bare/bare-nest\\.main\\.ts$',
          '\\.d\\.ts$',
          '(^|/)tsconfig\\.json$',
        ],
      },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(spec|int-spec|e2e-spec)\\.ts$' },
  },
};
