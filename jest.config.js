/**
 * Unit specs sit beside the code; contract, integration and e2e specs live under test/.
 * NestJS 12 ships ES modules only, which Jest's CommonJS runtime on Node 20 cannot require:
 * those packages are turned into CommonJS by Babel; our TypeScript goes through ts-jest.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/projections', '<rootDir>/test'],
  testRegex: '\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '^.+/node_modules/(@nestjs|jose)/.+\\.js$': [
      'babel-jest',
      {
        babelrc: false,
        configFile: false,
        plugins: [
          require.resolve('./test/jest/import-meta-to-commonjs.js'),
          '@babel/plugin-transform-dynamic-import',
          '@babel/plugin-transform-modules-commonjs',
        ],
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/jest/summary-reporter.js'],
  globalSetup: '<rootDir>/test/jest/global-setup.js',
  globalTeardown: '<rootDir>/test/jest/global-teardown.js',
};
