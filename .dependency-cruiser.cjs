/**
 * Imports go one way: no cycles; the stages under the orchestration (state, load, extract, normalize,
 * the old warehouse/sei rooms) and observability never import it; commands use a feature through its
 * index. Run by `npm test` (test/unit/architecture/imports.test.ts) and by `npx depcruise src jobs`.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle makes the order of the pipeline unreadable: break it (move types down, pure helpers out).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'stages-not-up-to-sync',
      severity: 'error',
      comment: 'The stages the sync composes must not know the sync: pass what they need as parameters.',
      from: { path: '^src/(state|load|extract|normalize|warehouse|sei|streams)/' },
      to: { path: '^src/sync/' },
    },
    {
      name: 'observability-not-up-to-sync',
      severity: 'error',
      comment: 'Metrics and logs read the run types (src/state), never the engine.',
      from: { path: '^src/observability/' },
      to: { path: '^src/sync/' },
    },
    {
      name: 'commands-use-feature-index',
      severity: 'error',
      comment: 'A command uses a feature through its index.ts, not its internals.',
      from: { path: '^src/commands/' },
      to: {
        path: '^src/(sync|verify|renormalize|extract|load|state|normalize|probe)/',
        pathNot: '^src/(sync|verify|renormalize|extract|load|state|normalize|probe)/index\\.ts$',
      },
    },
    {
      name: 'run-now-stays-light',
      severity: 'error',
      comment:
        'run-now starts a run: loading Express and Bull Board (the ops server) would add a few hundred ms before every run-now run starts.',
      from: { path: '^src/commands/run-now\\.ts$' },
      to: {
        path: '(^src/observability/ops-server\\.ts$)|node_modules/(express|@bull-board)/',
        reachable: true,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
