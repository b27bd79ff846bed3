/** Unit tests need nothing; integration and e2e tests expect the local stack (scripts/stack.sh up). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // @vlasky/zongji is ESM only: Node loads it with require(), Jest's module loader (before Node 24.9) does not.
    '^.+/node_modules/@vlasky/zongji/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@vlasky/zongji/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
