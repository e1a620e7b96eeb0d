/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js)$': swc },
  // middy 6 and jose 6 ship ES modules only (middy exports them for `import` alone): resolve by path
  // where needed and compile them to CommonJS like our own code.
  moduleNameMapper: { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
  setupFiles: ['<rootDir>/test/support/powertools-env.js'],
};

module.exports = {
  // A limit for hung tests, not a speed check: engines, seeding 10,000 items and bundling take seconds,
  // several times longer on a busy shared machine.
  testTimeout: 180_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // The use cases through the handlers, on the in-memory store at a cheap KDF: no DynamoDB, milliseconds.
    { ...common, displayName: 'usecase', testMatch: ['<rootDir>/test/usecase/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // CDK assertions on the synthesized app (no AWS, no Docker); see test/infra/support.ts.
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // The local system started as a user starts it, driven over HTTP.
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
