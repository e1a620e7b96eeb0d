// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'console/dist/', 'cdk.out/', '.venv/', '.local/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The console runs in the browser.
    files: ['console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The domain and the ports know nothing of AWS: adapters live in shared/adapters.
    files: ['shared/domain/**/*.ts', 'shared/ports/**/*.ts', 'shared/agent/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*'], message: 'No AWS in the domain.' },
            {
              group: ['**/functions/**'],
              message: 'The core knows no HTTP: the edge imports it, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    // Every request path is a GetItem or a Query (docs/design.md "Storage"); no transactions (MRSC has none).
    files: ['shared/adapters/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'].map((name) => ({
          name,
          importNames: [
            'ScanCommand',
            'TransactWriteItemsCommand',
            'TransactWriteCommand',
            'TransactGetItemsCommand',
          ],
          message: 'No Scan and no transactions on a request path: use GetItem or Query through an index.',
        })),
      ],
    },
  },
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'infra/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The use cases take expected versions and return domain results; the contract, statuses, ETags and
    // views are the edge's (functions/).
    files: ['shared/use-cases/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/functions/**'],
              message: 'The core knows no HTTP: the edge imports it, not the reverse.',
            },
            { group: ['**/test/**'], message: 'Product code does not import test code.' },
          ],
        },
      ],
    },
  },
  {
    // Product tooling never imports test code (the tests import it). shared/ and functions/ have their own
    // import rules above; nothing there imports from test/ either.
    files: ['local/**/*.ts', 'cli/**/*.ts', 'bench/**/*.ts', 'infra/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**'], message: 'Product code does not import test code.' }] },
      ],
    },
  },
);
