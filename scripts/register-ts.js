// Lets plain `node` (worker threads in the store tests, bench/) load the project's TypeScript
// sources the way Jest does: compiled on require by @swc/core, a dev dependency already in use.
//   node --require ./scripts/register-ts.js bench/store.ts
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
	const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
		filename,
		jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
		module: { type: 'commonjs' },
		sourceMaps: 'inline',
	});
	module._compile(code, filename);
};
