import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { ago, contactNo, run, SENDER, startEnv, triggerItem, type TestEnv } from './support';

let env: TestEnv;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.dispose();
});

let next = 40;
/** An in-window trigger item for a contact of its own. */
async function openItem() {
	const contact = contactNo(next++);
	const at = ago(1);
	await env.store.touchWindows([{ sender: SENDER, contact: contact.waId, at }]);
	return { contact, item: triggerItem(contact.waId, at) };
}

const envelope = (to: string) => ({
	messaging_product: 'whatsapp',
	recipient_type: 'individual',
	to,
});

interface Case {
	name: string;
	params: Record<string, unknown>;
	expected: (to: string, incoming: string) => Record<string, unknown>;
}

const cases: Case[] = [
	{
		name: 'text with a link preview',
		params: { text: 'See https://example.com', options: { linkPreview: true } },
		expected: () => ({
			type: 'text',
			text: { body: 'See https://example.com', preview_url: true },
		}),
	},
	{
		name: 'image by link with a caption',
		params: {
			messageType: 'image',
			mediaLink: 'https://example.com/p.jpg',
			options: { caption: 'Your parcel' },
		},
		expected: () => ({
			type: 'image',
			image: { link: 'https://example.com/p.jpg', caption: 'Your parcel' },
		}),
	},
	{
		name: 'video by media id',
		params: { messageType: 'video', mediaSource: 'id', mediaId: '1037543291543636' },
		expected: () => ({ type: 'video', video: { id: '1037543291543636' } }),
	},
	{
		name: 'audio as a voice message',
		params: {
			messageType: 'audio',
			mediaLink: 'https://example.com/a.ogg',
			options: { voice: true },
		},
		expected: () => ({ type: 'audio', audio: { link: 'https://example.com/a.ogg', voice: true } }),
	},
	{
		name: 'document with a file name',
		params: {
			messageType: 'document',
			mediaLink: 'https://example.com/i.pdf',
			options: { fileName: 'invoice.pdf', caption: 'Invoice' },
		},
		expected: () => ({
			type: 'document',
			document: { link: 'https://example.com/i.pdf', caption: 'Invoice', filename: 'invoice.pdf' },
		}),
	},
	{
		name: 'sticker',
		params: { messageType: 'sticker', mediaSource: 'id', mediaId: '798882015472548' },
		expected: () => ({ type: 'sticker', sticker: { id: '798882015472548' } }),
	},
	{
		name: 'location with name and address',
		params: {
			messageType: 'location',
			latitude: 52.516275,
			longitude: 13.377704,
			options: { locationName: 'Brandenburg Gate', address: 'Pariser Platz, Berlin' },
		},
		expected: () => ({
			type: 'location',
			location: {
				latitude: 52.516275,
				longitude: 13.377704,
				name: 'Brandenburg Gate',
				address: 'Pariser Platz, Berlin',
			},
		}),
	},
	{
		name: 'contact card',
		params: {
			messageType: 'contacts',
			contactCards: {
				cards: [
					{
						formattedName: 'Support Team',
						firstName: 'Support',
						phone: '+49 30 1234567',
						phoneType: 'WORK',
						waId: '49301234567',
						email: 'help@example.com',
						company: 'Example GmbH',
						url: 'https://example.com',
						birthday: '',
						lastName: '',
					},
				],
			},
		},
		expected: () => ({
			type: 'contacts',
			contacts: [
				{
					name: { formatted_name: 'Support Team', first_name: 'Support' },
					phones: [{ phone: '+49 30 1234567', wa_id: '49301234567', type: 'WORK' }],
					emails: [{ email: 'help@example.com', type: 'WORK' }],
					org: { company: 'Example GmbH' },
					urls: [{ url: 'https://example.com', type: 'WORK' }],
				},
			],
		}),
	},
	{
		name: 'reply buttons with header and footer',
		params: {
			messageType: 'buttons',
			bodyText: 'Did this answer your question?',
			buttons: {
				button: [
					{ id: 'yes', title: 'Yes' },
					{ id: 'no', title: 'No' },
				],
			},
			options: { headerText: 'Quick question', footer: 'Support' },
		},
		expected: () => ({
			type: 'interactive',
			interactive: {
				type: 'button',
				header: { type: 'text', text: 'Quick question' },
				body: { text: 'Did this answer your question?' },
				footer: { text: 'Support' },
				action: {
					buttons: [
						{ type: 'reply', reply: { id: 'yes', title: 'Yes' } },
						{ type: 'reply', reply: { id: 'no', title: 'No' } },
					],
				},
			},
		}),
	},
	{
		name: 'list from rows grouped by section title',
		params: {
			messageType: 'list',
			bodyText: 'Pick a time',
			listButtonText: 'Times',
			listRows: {
				row: [
					{ section: 'Morning', id: 's9', title: '9:00', description: '' },
					{ section: 'Afternoon', id: 's14', title: '14:00', description: 'Short wait' },
					{ section: 'Morning', id: 's10', title: '10:00', description: '' },
				],
			},
		},
		expected: () => ({
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'Pick a time' },
				action: {
					button: 'Times',
					sections: [
						{
							title: 'Morning',
							rows: [
								{ id: 's9', title: '9:00' },
								{ id: 's10', title: '10:00' },
							],
						},
						{
							title: 'Afternoon',
							rows: [{ id: 's14', title: '14:00', description: 'Short wait' }],
						},
					],
				},
			},
		}),
	},
	{
		name: 'list from JSON',
		params: {
			messageType: 'list',
			bodyText: 'Pick a size',
			listButtonText: 'Sizes',
			listInput: 'json',
			listSectionsJson: '[{"rows": [{"id": "m", "title": "M"}, {"id": "l", "title": "L"}]}]',
		},
		expected: () => ({
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'Pick a size' },
				action: {
					button: 'Sizes',
					sections: [
						{
							rows: [
								{ id: 'm', title: 'M' },
								{ id: 'l', title: 'L' },
							],
						},
					],
				},
			},
		}),
	},
	{
		name: 'call-to-action URL button',
		params: {
			messageType: 'ctaUrl',
			bodyText: 'Track your parcel',
			ctaDisplayText: 'Track',
			ctaUrl: 'https://example.com/t/1',
		},
		expected: () => ({
			type: 'interactive',
			interactive: {
				type: 'cta_url',
				body: { text: 'Track your parcel' },
				action: {
					name: 'cta_url',
					parameters: { display_text: 'Track', url: 'https://example.com/t/1' },
				},
			},
		}),
	},
	{
		name: 'reaction to the incoming message',
		params: { messageType: 'reaction', emoji: '\u{1F44D}' },
		expected: (_to, incoming) => ({
			type: 'reaction',
			reaction: { message_id: incoming, emoji: '\u{1F44D}' },
		}),
	},
];

describe('reply in window payloads', () => {
	it.each(cases)('builds a $name as Meta expects it', async ({ params, expected }) => {
		const { contact, item } = await openItem();
		const { sent } = await run(env, [item], { params });
		expect(sent).toHaveLength(1);
		const request = env.graph.received.at(-1)!;
		expect(request.json).toEqual({
			...envelope(contact.e164),
			...expected(contact.e164, item.json.messageId as string),
		});
	});

	it('adds callback data to the envelope', async () => {
		const { item } = await openItem();
		await run(env, [item], { params: { text: 'Hi', options: { callbackData: 'ticket-42' } } });
		expect(env.graph.received.at(-1)!.json).toMatchObject({
			biz_opaque_callback_data: 'ticket-42',
		});
	});

	it("puts the send's own id in front of the callback data, for Meta to echo on statuses", async () => {
		const { item } = await openItem();
		const { sent } = await run(env, [item], {
			params: { text: 'Hi', options: { callbackData: 'ticket-43' } },
		});
		const request = env.graph.received.at(-1)!;
		expect(request.callbackId).toMatch(/^[0-9a-f]{16}$/);
		expect(JSON.parse(request.body.toString('utf8')).biz_opaque_callback_data).toBe(
			`wac1:${request.callbackId}|ticket-43`,
		);
		const { sends } = await env.store.getSnapshot({
			sender: SENDER,
			contacts: [],
			marketingSince: 0,
			idempotencyKeys: [String(sent[0].json.idempotencyKey)],
		});
		expect([...sends.values()][0].callbackId).toBe(request.callbackId);
	});

	it('addresses a business-scoped user ID in "recipient" instead of "to"', async () => {
		const bsuid = 'DE.13491208655302741918';
		await env.store.touchWindows([{ sender: SENDER, contact: bsuid, at: ago(1) }]);
		const { sent } = await run(env, [triggerItem(bsuid, ago(1), { contactWaId: undefined })], {
			params: { text: 'Hi' },
		});
		const body = env.graph.received.at(-1)!.json!;
		expect(body.recipient).toBe(bsuid);
		expect(body).not.toHaveProperty('to');
		expect(sent[0].json.contact).toBe(bsuid);
	});

	describe('binary media', () => {
		const pdf = Buffer.from('%PDF-1.4 invoice 1234');
		const binaryItem = (json: IDataObject): INodeExecutionData => ({
			json,
			binary: {
				data: {
					data: pdf.toString('base64'),
					mimeType: 'application/pdf',
					fileName: 'invoice-1234.pdf',
					fileExtension: 'pdf',
				},
			},
		});

		it('uploads the binary file first, then sends the document by its media id', async () => {
			const { contact, item } = await openItem();
			const before = env.graph.received.length;
			const { sent } = await run(env, [binaryItem(item.json)], {
				params: { messageType: 'document', mediaSource: 'binary' },
			});
			const [upload, message] = env.graph.received.slice(before);
			expect(upload.path).toBe(`/v25.0/${SENDER}/media`);
			expect(upload.contentType).toMatch(/^multipart\/form-data/);
			const form = upload.body.toString('latin1');
			expect(form).toContain('%PDF-1.4 invoice 1234');
			expect(form).toContain('filename="invoice-1234.pdf"');
			expect(form).toMatch(/name="messaging_product"\r\n\r\nwhatsapp/);
			expect(form).toMatch(/name="type"\r\n\r\napplication\/pdf/);
			const mediaId = (sent[0].json as { mediaId: string }).mediaId;
			expect(mediaId).toMatch(/^media-/);
			expect(message.json).toEqual({
				...envelope(contact.e164),
				type: 'document',
				document: { id: mediaId, filename: 'invoice-1234.pdf' },
			});
		});

		it('uploads nothing when the window is closed', async () => {
			const { waId } = contactNo(next++);
			const before = env.graph.received.length;
			const { closed } = await run(env, [binaryItem({ contact: waId, phoneNumberId: SENDER })], {
				params: { messageType: 'image', mediaSource: 'binary' },
			});
			expect(closed[0].json).toMatchObject({ reason: 'window_closed' });
			expect(env.graph.received.length).toBe(before);
		});

		it('fails the item that lacks the binary field', async () => {
			const { item } = await openItem();
			const { closed } = await run(env, [item], {
				continueOnFail: true,
				params: { messageType: 'image', mediaSource: 'binary', binaryPropertyName: 'photo' },
			});
			expect(closed[0].json.error).toContain("binary file 'photo'");
		});
	});
});
