/**
 * Rewrites the Variables schema that the Send Template nodes of examples/*.json keep, from the
 * sandbox's seed templates, exactly as the node's resource mapper returns it, and the Templates to
 * Offer of Send Template Tool nodes as the node lists them. n8n shows "Variables are outdated"
 * when a saved schema differs from what the node returns in any field, so run this after changing
 * a seed template or the Variables fields:
 *
 *   node --require ./scripts/register-ts.js scripts/update-examples.ts
 *
 * Values of fields the template still has are kept; a new field starts empty. test/nodes/examples
 * fails when an example is out of date.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as prettier from 'prettier';

import { examplesWithCurrentSchema } from '../tools/n8n/examples';

const EXAMPLES_DIR = path.resolve(__dirname, '..', 'examples');

async function main(): Promise<void> {
	let changed = 0;
	for (const { file, workflow, stale } of examplesWithCurrentSchema(EXAMPLES_DIR)) {
		if (!stale) continue;
		const options = (await prettier.resolveConfig(file)) ?? {};
		fs.writeFileSync(
			file,
			await prettier.format(JSON.stringify(workflow, null, '\t'), { ...options, filepath: file }),
		);
		console.log(`updated ${path.relative(process.cwd(), file)}`);
		changed++;
	}
	console.log(changed === 0 ? 'Every example is up to date.' : `${changed} example(s) updated.`);
}

void main();
