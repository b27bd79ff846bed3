// Lint = the plane boundaries of docs/architecture.md, checked by machine. Formatting is Prettier's.
import tseslint from 'typescript-eslint';

const rule = '@typescript-eslint/no-restricted-imports';

/** Modules the workflow bundle may load at run time: pure data and functions, no drivers, no clocks, no node:fs. */
const WORKFLOW_PURE = ['lib/control/routing', 'lib/spec/lifecycle'];
const workflowImports = [
  {
    regex: `^\\.\\./(?!(${WORKFLOW_PURE.join('|')})$)`,
    allowTypeImports: true,
    message: `workflows/ is deterministic sandboxed code: import only its own folder and the pure modules ${WORKFLOW_PURE.join(', ')} (anything else type-only).`,
  },
  {
    regex: '^(?!\\.|@temporalio/workflow$|@temporalio/common$)',
    allowTypeImports: true,
    message: 'workflows/ imports values only from @temporalio/workflow and @temporalio/common (anything else type-only).',
  },
];
const noActivities = { regex: '(^|/)activities(/|$)', message: 'lib/ never imports activities/ (the data plane of the worker).' };
const noWorkflows = { regex: '(^|/)workflows(/|$)', message: 'lib/ never imports workflows/.' };
/** lib/client talks to the workflows through their contract files only. */
const onlyContracts = { regex: '(^|/)workflows/(?![\\w-]+-api$)', message: 'lib/client imports only the contract files workflows/*-api.ts.' };

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', '.tools/', 'dist/', 'coverage/', 'test/replay/histories/'] },
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
  { files: ['workflows/**/*.ts'], rules: { [rule]: ['error', { patterns: workflowImports }] } },
  { files: ['lib/**/*.ts'], ignores: ['lib/client/**'], rules: { [rule]: ['error', { patterns: [noActivities, noWorkflows] }] } },
  {
    files: ['lib/router/**/*.ts'],
    rules: {
      [rule]: [
        'error',
        { patterns: [{ ...noActivities, message: 'the router runs in the application, never in a worker: it never imports activities/.' }, noWorkflows] },
      ],
    },
  },
  { files: ['lib/client/**/*.ts'], rules: { [rule]: ['error', { patterns: [noActivities, onlyContracts] }] } },
  // The console is a client too: it steers workflows only through their contracts, like the CLI.
  {
    files: ['console/**/*.ts'],
    rules: { [rule]: ['error', { patterns: [noActivities, { ...onlyContracts, message: 'console/ imports only the contract files workflows/*-api.ts.' }] }] },
  },
);
