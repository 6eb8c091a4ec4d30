import type { ResourceMapperField } from 'n8n-workflow';

import { bundledSeedInput, loadSeed } from '../../../sandbox/seedLoader';
import {
	getTemplateVariables,
	searchTemplates,
	variableFields,
} from '../../../nodes/WhatsAppSendTemplate/methods';
import { MAX_FIELD_LABEL } from '../../../nodes/WhatsAppSendTemplate/templates';
import { loadOptionsContext, startEnv, template, type TestEnv } from './support';

let env: TestEnv;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.dispose();
});

async function fieldsOf(value: string, mode = 'list', language = '') {
	const ctx = loadOptionsContext(env, { template: template(value, mode), language });
	return await getTemplateVariables.call(ctx);
}

const field = (
	id: string,
	displayName: string,
	required = true,
	type: ResourceMapperField['type'] = 'string',
): ResourceMapperField => ({
	id,
	displayName,
	required,
	type,
	defaultMatch: false,
	canBeUsedToMatch: false,
	display: true,
});

describe('Send Template methods', () => {
	describe('Variables fields (resource mapper)', () => {
		it('labels every field of every seed template within what the panel shows uncut', () => {
			for (const template of loadSeed(bundledSeedInput()).templates) {
				for (const field of variableFields(template.definition)) {
					expect([template.definition.name, field.displayName]).toEqual([
						template.definition.name,
						expect.stringMatching(new RegExp(`^.{1,${MAX_FIELD_LABEL}}$`)),
					]);
				}
			}
		});

		it('gives a named marketing template its image header, named body variables and quick reply', async () => {
			const { fields } = await fieldsOf('back_in_stock|de');

			expect(fields).toEqual([
				field('header.image', 'Header image (link or ID)'),
				field('body.first_name', 'Body {{first_name}}'),
				field('body.product', 'Body {{product}}'),
				field('body.ship_date', 'Body {{ship_date}}'),
				field('button.0.payload', '"Werbung stoppen" payload', false),
			]);
		});

		it('gives a positional utility template its header text, body and URL suffix', async () => {
			const { fields } = await fieldsOf('order_update|en');

			expect(fields).toEqual([
				field('header.text.1', 'Header {{1}} (e.g. A-1042)'),
				field('body.1', 'Body {{1}} (e.g. Lena)'),
				field('body.2', 'Body {{2}} (e.g. A-1042)'),
				field('body.3', 'Body {{3}}'),
				field('button.0.url', '"Track order" URL suffix'),
			]);
		});

		it('gives an authentication template its code in the body and the one-time password button', async () => {
			const { fields } = await fieldsOf('login_code|en');

			expect(fields).toEqual([
				field('body.1', 'Body {{1}} (e.g. 482913)'),
				field('button.0.url', 'One-time password (button)'),
			]);
		});

		it('gives the double opt-in request its named variables and both optional payloads', async () => {
			const { fields } = await fieldsOf('consent_confirmation|en');

			expect(fields).toEqual([
				field('body.first_name', 'Body {{first_name}}'),
				field('body.business_name', 'Body {{business_name}}'),
				field('button.0.payload', '"Yes, subscribe" payload', false),
				field('button.1.payload', 'Button "No" payload', false),
			]);
		});

		it('lists the variables of a paused template too (it may be unpaused before the run)', async () => {
			const { fields } = await fieldsOf('spring_sale|en');

			expect(fields.map((f) => f.id)).toEqual(['body.1', 'body.2', 'button.0.payload']);
		});

		it('reads a template given by name with the Language parameter', async () => {
			const { fields } = await fieldsOf('opt_out_confirmation', 'name', 'en');

			expect(fields).toEqual([field('body.1', 'Body {{1}}')]);
		});

		it('says why there are no fields when no template is chosen', async () => {
			const result = await fieldsOf('');

			expect(result.fields).toEqual([]);
			expect(result.emptyFieldsNotice).toContain('No template is chosen');
		});

		it('says so when the account has no such template in that language', async () => {
			const result = await fieldsOf('order_update|fr');

			expect(result.fields).toEqual([]);
			expect(result.emptyFieldsNotice).toBe(
				'Template "order_update" (fr) was not found in the WhatsApp Business account. Check the name and language.',
			);
		});
	});

	describe('Template list', () => {
		it("lists every template with its language and category, marking those that can't be sent", async () => {
			const ctx = loadOptionsContext(env, {});

			const { results } = await searchTemplates.call(ctx);

			expect(results).toEqual(
				expect.arrayContaining([
					{ name: 'back_in_stock (de) · MARKETING', value: 'back_in_stock|de' },
					{ name: 'order_update (en) · UTILITY', value: 'order_update|en' },
					{ name: 'login_code (en) · AUTHENTICATION', value: 'login_code|en' },
					{ name: 'hello_world (en_US) · UTILITY', value: 'hello_world|en_US' },
					{
						name: 'spring_sale (en) · MARKETING · PAUSED — cannot be sent',
						value: 'spring_sale|en',
					},
				]),
			);
			expect(results).toHaveLength(env.sandbox.state.templates().length);
		});

		it('marks a template as soon as Meta pauses it', async () => {
			env.sandbox.state.setTemplateStatus('order_update', 'PAUSED');
			const ctx = loadOptionsContext(env, {});

			const { results } = await searchTemplates.call(ctx, 'order');

			expect(results).toEqual([
				{ name: 'order_update (en) · UTILITY · PAUSED — cannot be sent', value: 'order_update|en' },
			]);
			env.sandbox.state.setTemplateStatus('order_update', 'APPROVED');
		});

		it('filters by what the user types', async () => {
			const ctx = loadOptionsContext(env, {});

			const { results } = await searchTemplates.call(ctx, 'STOCK');

			expect(results.map((r) => r.value)).toEqual(['back_in_stock|de', 'back_in_stock|en']);
		});
	});
});
