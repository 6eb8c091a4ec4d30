/**
 * The example workflows open clean in the editor: the Variables schema each Send Template node
 * keeps is what the node returns for the sandbox's template now (n8n shows "Variables are
 * outdated" otherwise), and a Send Template Tool's Templates to Offer are the entries its list
 * gives now (what the model reads). test/browser/editor.test.ts checks the same in a real editor.
 */
import * as path from 'node:path';

import { examplesWithCurrentSchema } from '../../tools/n8n/examples';

describe('examples', () => {
	it('keep the Variables schema and the Templates to Offer the Send Template node gives now', () => {
		const stale = examplesWithCurrentSchema(path.resolve(__dirname, '..', '..', 'examples'))
			.filter((example) => example.stale)
			.map((example) => path.basename(example.file));
		// Fix with: node --require ./scripts/register-ts.js scripts/update-examples.ts
		expect(stale).toEqual([]);
	});
});
