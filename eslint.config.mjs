// Lint: TypeScript's recommended rules everywhere, and for what n8n loads (nodes/, credentials/,
// package.json) the rule set of n8n's community-package scanner, as @n8n/scan-community-package
// 0.32.0 builds it (scanner/scanner.mjs, buildScanConfig): @n8n/eslint-plugin-community-nodes
// `recommended`, plus eslint-plugin-n8n-nodes-base's `community` rules on package.json, its
// `credentials` rules on credentials/ and its `nodes` rules on nodes/, with the scanner's own
// exceptions. The scanner also lints the .node.json codex files, so do we.
//
// Rules off, and why. The pack is for self-hosted n8n only; three n8n Cloud rules are broken on
// purpose:
// - no-restricted-imports: the compliance store needs the file system and node:sqlite, or pg for
//   PostgreSQL; the Cloud API client uses axios and node:http(s); phone numbers need
//   libphonenumber-js and countries-and-timezones; the bulk export streams CSV (csv-stringify).
// - no-restricted-globals: the rate limiter and retries need timers (setTimeout, setImmediate);
//   the embedded store finds the n8n user folder through process.env (N8N_USER_FOLDER).
// - no-runtime-dependencies: the libraries above do real work at run time; n8n installs a
//   self-hosted community package with npm, which installs them.
// One rule is scoped to match the design (STYLE.md point 3):
// - require-node-api-error is off in nodes/core only: NodeApiError and NodeOperationError come
//   from n8n-workflow, which core must not import; core throws its own errors and nodes/shared
//   translates them at the boundary, where the rule applies.
//
// One line is exempt in place: node-param-display-name-miscased on the store callout
// (nodes/shared/descriptions.ts): the rule predates n8n's callout type and exempts only notices,
// whose text is a sentence too. The scanner itself ignores such comments and would report it.
//
// The sandbox, tests, benchmarks, scripts and tools are not loaded by n8n: the n8n rules do not
// apply to them (they start processes and hold made-up tokens on purpose).
//
// eslint-plugin-n8n-nodes-base runs `npx only-allow pnpm` as a preinstall script (1.16.0 and
// later), which fails `npm install` where npx may not fetch packages unasked. package.json's
// `allowScripts` denies that one package's install scripts (npm 11.18 and later honour it); the
// plugin's rules need no install step.
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const selfHosted = {
	'@n8n/community-nodes/no-restricted-imports': 'off',
	'@n8n/community-nodes/no-restricted-globals': 'off',
	'@n8n/community-nodes/no-runtime-dependencies': 'off',
};

const loadedByN8n = ['nodes/**/*.ts', 'credentials/**/*.ts', 'nodes/**/*.json', 'package.json'];

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, ...tseslint.configs.recommended],
		rules: {
			'prefer-spread': 'off',
			'no-console': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
		},
	},
	{
		files: ['test/**/*.ts', 'bench/**/*.ts', 'sandbox/**/*.ts', 'scripts/**/*.ts', 'tools/**/*.ts'],
		rules: { 'no-console': 'off' },
	},
	{
		files: loadedByN8n,
		extends: [n8nCommunityNodesPlugin.configs.recommended],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: { 'no-console': 'error', ...selfHosted },
	},
	{
		files: ['package.json'],
		rules: n8nNodesBase.configs.community.rules,
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The scanner's exceptions: the documentation URL may be any page for a community
			// node, and community-nodes' credential-password-field checks passwords better.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// The scanner's exceptions: inputs and outputs may be NodeConnectionTypes values, and
			// a maximum that the Cloud API sets is a valid maxValue.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{
		files: ['nodes/core/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		files: ['nodes/**/*.json', 'package.json'],
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: { extraFileExtensions: ['.json'] },
		},
	},
);
