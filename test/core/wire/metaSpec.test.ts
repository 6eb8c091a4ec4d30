/**
 * Meta's OpenAPI spec as the contract of what the pack sends: every payload shape the builders
 * produce fits Meta's request schema of POST /<PHONE_NUMBER_ID>/messages, as corrected for the
 * spec's own defects (tools/meta-openapi/defects.ts), and each correction is needed.
 */
import * as fs from 'node:fs';

import { SPEC_DEFECTS } from '../../../tools/meta-openapi/defects';
import { messageSchemaFile, SCHEMA_FILE } from '../../../tools/meta-openapi/schema';
import {
	describeWithMetaSpec,
	fillForSchema,
	requestExamples,
	specIssues,
} from '../../support/metaSpec';
import { ourPayloads } from './specPayloads';

/**
 * The one example of Meta's that is wrong as written: its quick-reply parameters are the booleans
 * true and false (the source's "Yes" and "No", read as YAML 1.1 booleans on the way into the spec),
 * where Meta's own ButtonTextParameter takes a string.
 */
const BROKEN_EXAMPLE = 'Send Sample Issue Resolution Template';

describeWithMetaSpec("Meta's OpenAPI spec as the contract of what the nodes send", (spec) => {
	const payloads = ourPayloads();
	const examples = Object.entries(requestExamples(spec)).map(
		([name, example]) => [name, fillForSchema(example)] as const,
	);

	it('has the 50 request examples the contract is read against', () => {
		expect(examples).toHaveLength(50);
	});

	it.each(Object.entries(payloads))(
		'the payload "%s" fits the request schema',
		(_name, payload) => {
			expect(specIssues(spec, payload)).toEqual([]);
		},
	);

	it.each(examples.filter(([name]) => name !== BROKEN_EXAMPLE))(
		'Meta\'s example "%s" fits the corrected schema (placeholders filled in)',
		(_name, example) => {
			expect(specIssues(spec, example)).toEqual([]);
		},
	);

	it(`rejects "${BROKEN_EXAMPLE}" for its boolean quick-reply parameters only`, () => {
		const example = examples.find(([name]) => name === BROKEN_EXAMPLE)![1];
		expect(specIssues(spec, example).map((issue) => issue.path)).toEqual([
			'template.components[1].parameters[0].text',
			'template.components[2].parameters[0].text',
		]);
	});

	it.each(SPEC_DEFECTS.map((defect) => [defect.id, defect] as const))(
		'needs the correction "%s": without it a payload of ours or an example of Meta\'s fails',
		(_id, defect) => {
			const others = SPEC_DEFECTS.filter((d) => d !== defect);
			const witnesses = [...Object.entries(payloads), ...examples].filter(
				([, body]) =>
					specIssues(spec, body).length === 0 && specIssues(spec, body, others).length > 0,
			);
			expect(witnesses.map(([name]) => name)).not.toEqual([]);
		},
	);

	it('still rejects what Meta rejects: a fourth reply button, a media object with id and link, an unknown type', () => {
		const buttons = payloads['reply buttons with a text header and footer'] as {
			interactive: { action: { buttons: unknown[] } };
		};
		const four = structuredClone(buttons);
		four.interactive.action.buttons.push({ type: 'reply', reply: { id: 'x', title: 'Night' } });
		expect(specIssues(spec, four)).toEqual([
			expect.objectContaining({ code: 131009, path: 'interactive.action.buttons' }),
		]);
		const both = {
			...(payloads['image by id'] as object),
			image: { id: '1', link: 'https://a.example/x.jpg' },
		};
		expect(specIssues(spec, both)).toEqual([
			expect.objectContaining({ code: 131009, path: 'image' }),
		]);
		const poll = { messaging_product: 'whatsapp', to: '4915112345678', type: 'poll', poll: {} };
		expect(specIssues(spec, poll)[0]).toMatchObject({ code: 100, path: 'type' });
	});

	it('is what the sandbox checks: sandbox/spec/messageSchema.json is generated from this spec', () => {
		const committed: unknown = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
		// Regenerate with: node --require ./scripts/register-ts.js tools/meta-openapi/update.ts
		expect(committed).toEqual(JSON.parse(JSON.stringify(messageSchemaFile(spec))));
	});
});
