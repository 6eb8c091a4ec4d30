// The pack supports the Node range of package.json `engines` (what n8n 2.30 itself requires):
// `npm test` runs on the project's own Node 24 (the `node` devDependency, first on PATH in npm
// scripts), `npm run test:node22` on the pinned Node 22. Fail loudly on any other Node.
import { supportedNode } from '../../tools/n8n/install';

const { range, ok } = supportedNode();
if (!ok) {
	throw new Error(
		`Tests need Node ${range}, this is ${process.version}. Run them through npm (npm test uses the ` +
			'Node 24 in node_modules/.bin; npm run test:node22 the pinned Node 22).',
	);
}
