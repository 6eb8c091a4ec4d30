// Lint: n8n's community-node rules in the self-hosted profile (recommendedWithoutN8nCloudSupport),
// plus TypeScript's recommended rules. The pack is for self-hosted n8n only.
//
// Cloud-only rules that are off, and why:
// - no-restricted-imports / no-restricted-globals (already absent from the self-hosted profile): the
//   compliance store needs the file system (node:sqlite) and PostgreSQL (pg); the rate limiter needs
//   timers; the embedded store finds the n8n user folder through N8N_USER_FOLDER.
// - no-runtime-dependencies (still in the self-hosted profile, turned off below): axios, zod, luxon,
//   libphonenumber-js, countries-and-timezones and pg do real work at run time; users install the
//   package with npm, which installs them.
//
// eslint-plugin-n8n-nodes-base is not used: every published version runs `npx only-allow pnpm` as
// a preinstall script, which breaks `npm install` on a clean machine.
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tseslint from 'typescript-eslint';

const community = n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport;
const selfHosted = { '@n8n/community-nodes/no-runtime-dependencies': 'off' };

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.e2e-cache/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, ...tseslint.configs.recommended, community],
		rules: {
			...selfHosted,
			'prefer-spread': 'off',
			'no-console': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
		},
	},
	{
		// Tests, benchmarks, the sandbox CLI and scripts may print and are not node code.
		files: ['test/**/*.ts', 'bench/**/*.ts', 'sandbox/**/*.ts', 'scripts/**/*.ts'],
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
