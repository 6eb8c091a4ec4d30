// Lint: n8n's community-node rules in the self-hosted profile (recommendedWithoutN8nCloudSupport)
// for what n8n loads (nodes/, credentials/, package.json), plus TypeScript's recommended rules
// everywhere. The pack is for self-hosted n8n only.
//
// Cloud-only rules that are off, and why:
// - no-restricted-imports / no-restricted-globals (already absent from the self-hosted profile): the
//   compliance store needs the file system (node:sqlite) and PostgreSQL (pg); the rate limiter needs
//   timers; the embedded store finds the n8n user folder through N8N_USER_FOLDER.
// - no-runtime-dependencies (still in the self-hosted profile, turned off below): axios, zod, luxon,
//   libphonenumber-js, countries-and-timezones and pg do real work at run time; users install the
//   package with npm, which installs them.
// - require-node-api-error is off in nodes/core: NodeApiError and NodeOperationError come from
//   n8n-workflow, which core must not import; nodes/shared translates core errors at the boundary.
//
// The sandbox, tests, benchmarks and scripts are not loaded by n8n: the community-node rules do not
// apply to them (they start processes and hold made-up tokens on purpose).
//
// eslint-plugin-n8n-nodes-base is not used: every published version runs `npx only-allow pnpm` as
// a preinstall script, which breaks `npm install` on a clean npm machine.
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tseslint from 'typescript-eslint';

const community = n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport;
const selfHosted = { '@n8n/community-nodes/no-runtime-dependencies': 'off' };

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
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		extends: [community],
		rules: selfHosted,
	},
	{
		files: ['nodes/core/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		files: ['test/**/*.ts', 'bench/**/*.ts', 'sandbox/**/*.ts', 'scripts/**/*.ts', 'tools/**/*.ts'],
		rules: { 'no-console': 'off' },
	},
	{
		files: ['package.json'],
		extends: [community],
		rules: selfHosted,
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: { extraFileExtensions: ['.json'] },
		},
	},
);
