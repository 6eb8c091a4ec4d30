/**
 * Test layers (DESIGN.md "Tests"): core (pure rules, store contract), nodes (mocked n8n contexts
 * and in-process workflows), sandbox (the simulator over HTTP), e2e (a real n8n process), browser
 * (the n8n editor in headless Chromium).
 * `npm run test:fast` runs core and nodes only.
 */
const transform = {
	'^.+\\.ts$': [
		'@swc/jest',
		{ jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
	],
};
const project = (name, extra = {}) => ({
	displayName: name,
	testEnvironment: 'node',
	transform,
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	setupFiles: ['<rootDir>/test/support/requireSupportedNode.ts'],
	...extra,
});

module.exports = {
	projects: [
		project('core'),
		project('nodes', {
			setupFiles: [
				'<rootDir>/test/support/requireSupportedNode.ts',
				'<rootDir>/test/support/n8nFileAccess.js',
			],
		}),
		project('sandbox'),
		project('e2e', {
			// Installs the pinned n8n once (minutes the first time); see tools/n8n/README.md.
			globalSetup: '<rootDir>/test/e2e/harness/globalSetup.ts',
			globalTeardown: '<rootDir>/test/e2e/harness/globalTeardown.ts',
			// One real n8n at a time: e2e files run serially, the other projects keep their workers.
			runner: '<rootDir>/test/e2e/harness/serialRunner.ts',
		}),
		project('browser', {
			// The demo setup (a real n8n, the sandbox, the examples) in Debian's headless Chromium;
			// same n8n install and process record as e2e, and serial like it (2 cores).
			globalSetup: '<rootDir>/test/e2e/harness/globalSetup.ts',
			globalTeardown: '<rootDir>/test/e2e/harness/globalTeardown.ts',
			runner: '<rootDir>/test/e2e/harness/serialRunner.ts',
		}),
	],
	testTimeout: 30000,
	// The default reporter, and a note at the end when the PostgreSQL tests were skipped.
	reporters: ['default', '<rootDir>/test/support/postgresNote.js'],
};
