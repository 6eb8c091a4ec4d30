import type { Sandbox } from '../../sandbox/server';
import {
	api,
	AVERY_US,
	control,
	JONAS,
	LENA,
	PHONE,
	type Receiver,
	say,
	send,
	startReceiver,
	startTestSandbox,
	text,
	waitForStatus,
} from './support';

let sandbox: Sandbox;
let receiver: Receiver;
beforeAll(async () => {
	receiver = await startReceiver();
	sandbox = await startTestSandbox({ webhookUrl: receiver.url });
});
afterAll(async () => {
	await sandbox.close();
	await receiver.close();
});
beforeEach(async () => {
	await control(sandbox, 'POST', '/reset');
});

async function uploadImage(): Promise<string> {
	const form = new FormData();
	form.append('messaging_product', 'whatsapp');
	form.append('type', 'image/png');
	form.append(
		'file',
		new Blob([Buffer.from('89504e470d0a1a0a', 'hex')], { type: 'image/png' }),
		'dot.png',
	);
	const response = await fetch(`${sandbox.url}/v25.0/${PHONE}/media`, {
		method: 'POST',
		headers: { authorization: 'Bearer test-token' },
		body: form,
	});
	return ((await response.json()) as { id: string }).id;
}

describe('free-form messages inside the window', () => {
	it('accepts a text with the contact and a wamid, and no message_status', async () => {
		await say(sandbox, LENA);
		const answer = await send(sandbox, text(LENA, 'Thanks for writing!'));
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			messaging_product: 'whatsapp',
			contacts: [{ input: `+${LENA}`, wa_id: LENA }],
			messages: [{ id: expect.stringMatching(/^wamid\./) }],
		});
	});

	it('gives every message its own wamid', async () => {
		await say(sandbox, LENA);
		const a = await send(sandbox, text(LENA));
		const b = await send(sandbox, text(LENA));
		expect(a.json.messages[0].id).not.toBe(b.json.messages[0].id);
	});

	it('takes "text" as the type when type is left out, as Meta does', async () => {
		await say(sandbox, LENA);
		const answer = await send(sandbox, { to: `+${LENA}`, text: { body: 'No type' } });
		expect(answer.status).toBe(200);
	});

	it('accepts numbers written with spaces and hyphens, and numbers without "+"', async () => {
		await say(sandbox, LENA);
		const spaced = await send(sandbox, { ...text(LENA), to: '+49 151-1234 5601' });
		const bare = await send(sandbox, { ...text(LENA), to: LENA });
		expect(spaced.json.contacts).toEqual([{ input: '+49 151-1234 5601', wa_id: LENA }]);
		expect(bare.json.contacts).toEqual([{ input: LENA, wa_id: LENA }]);
	});

	// Media by link: mediaLinks.test.ts (the sandbox downloads it, from a local server).
	it.each([
		[
			'location',
			{ type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' } },
		],
		[
			'contacts',
			{ type: 'contacts', contacts: [{ name: { formatted_name: 'Mia Hoffmann' }, phones: [] }] },
		],
		[
			'reply buttons',
			{
				type: 'interactive',
				interactive: {
					type: 'button',
					body: { text: 'Pick one' },
					action: {
						buttons: [
							{ type: 'reply', reply: { id: 'yes', title: 'Yes' } },
							{ type: 'reply', reply: { id: 'no', title: 'No' } },
						],
					},
				},
			},
		],
		[
			'list',
			{
				type: 'interactive',
				interactive: {
					type: 'list',
					body: { text: 'Pick a slot' },
					action: {
						button: 'Slots',
						sections: [{ title: 'Today', rows: [{ id: 'am', title: 'Morning' }] }],
					},
				},
			},
		],
		[
			'cta_url',
			{
				type: 'interactive',
				interactive: {
					type: 'cta_url',
					body: { text: 'Track it' },
					action: {
						name: 'cta_url',
						parameters: { display_text: 'Track', url: 'https://example.com/t' },
					},
				},
			},
		],
		[
			'flow',
			{
				type: 'interactive',
				interactive: {
					type: 'flow',
					body: { text: 'Book' },
					action: {
						name: 'flow',
						parameters: { flow_message_version: '3', flow_id: '1234', flow_cta: 'Book now' },
					},
				},
			},
		],
	])('accepts a %s message', async (_name, message) => {
		await say(sandbox, LENA);
		const answer = await send(sandbox, { to: `+${LENA}`, ...message });
		expect(answer.status).toBe(200);
		expect(answer.json.messages[0].id).toMatch(/^wamid\./);
	});

	it('accepts an image by the id of an upload to the sender number', async () => {
		await say(sandbox, LENA);
		const id = await uploadImage();
		const answer = await send(sandbox, { to: `+${LENA}`, type: 'image', image: { id } });
		expect(answer.status).toBe(200);
	});

	it('accepts a reaction to the contact\'s message, which only ever gets a "sent" status', async () => {
		const inbound = await say(sandbox, LENA);
		const answer = await send(sandbox, {
			to: `+${LENA}`,
			type: 'reaction',
			reaction: { message_id: inbound, emoji: '👍' },
		});
		const sent = await waitForStatus(receiver, answer.json.messages[0].id, 'sent');
		expect(sent.status).toBe('sent');
		// A later free-form message gets delivered; the reaction still has only "sent".
		const later = await send(sandbox, text(LENA));
		await waitForStatus(receiver, later.json.messages[0].id, 'read');
		expect(sandbox.state.sentMessage(answer.json.messages[0].id)?.status).toBe('sent');
	});
});

describe('the count of accepted sends', () => {
	it('counts every send answered with a message id, also one whose status later fails, and starts again on reset', async () => {
		await say(sandbox, LENA);
		await send(sandbox, text(LENA));
		const outside = await send(sandbox, text(JONAS));
		expect(outside.status).toBe(200);
		await send(sandbox, { ...text(LENA), to: '' });
		expect(sandbox.state.acceptedTotal()).toBe(2);
		await control(sandbox, 'POST', '/reset');
		expect(sandbox.state.acceptedTotal()).toBe(0);
	});
});

describe('the 24-hour window (131047)', () => {
	it('accepts free-form outside the window and then reports a failed status with 131047', async () => {
		const answer = await send(sandbox, text(JONAS));
		expect(answer.status).toBe(200);
		const failed = await waitForStatus(receiver, answer.json.messages[0].id, 'failed');
		expect(failed.errors).toEqual([
			expect.objectContaining({
				code: 131047,
				title: 'Re-engagement message',
				error_data: { details: expect.any(String) },
			}),
		]);
		expect(failed.pricing).toBeUndefined();
	});

	it("is opened by the contact's message and closed 24 hours after it (backdated with ago)", async () => {
		await say(sandbox, LENA, 'Old message', { ago: '25h' });
		expect(sandbox.state.windowOpen(PHONE, LENA)).toBe(false);
		await say(sandbox, LENA, 'Newer message', { ago: '23h' });
		expect(sandbox.state.windowOpen(PHONE, LENA)).toBe(true);
	});

	it('is kept per business number', async () => {
		await say(sandbox, LENA);
		expect(sandbox.state.windowOpen(PHONE, LENA)).toBe(true);
		expect(sandbox.state.windowOpen('582204917733610', LENA)).toBe(false);
	});

	it('answers HTTP 400 with 131047 at send when reengagement is "sync"', async () => {
		const strict = await startTestSandbox({ reengagement: 'sync' });
		try {
			await say(strict, LENA, 'Hi', { ago: '30h' });
			const answer = await send(strict, text(LENA));
			expect(answer.status).toBe(400);
			expect(answer.json.error).toMatchObject({
				code: 131047,
				message: '(#131047) Re-engagement message',
			});
			expect(answer.json.error.error_data.messaging_product).toBe('whatsapp');
		} finally {
			await strict.close();
		}
	});
});

describe('recipients', () => {
	it('accepts a number that is not on WhatsApp and reports 131026 in a failed status', async () => {
		const answer = await send(sandbox, {
			to: '+4915199999999',
			type: 'template',
			template: {
				name: 'opt_out_confirmation',
				language: { code: 'en' },
				components: [{ type: 'body', parameters: [{ type: 'text', text: 'offers' }] }],
			},
		});
		expect(answer.status).toBe(200);
		expect(answer.json.contacts).toEqual([{ input: '+4915199999999', wa_id: '4915199999999' }]);
		const failed = await waitForStatus(receiver, answer.json.messages[0].id, 'failed');
		expect(failed.errors[0].code).toBe(131026);
	});

	it('answers 131026 at send when undeliverable is "sync"', async () => {
		const strict = await startTestSandbox({ undeliverable: 'sync' });
		try {
			const answer = await send(strict, text('4915199999999'));
			expect(answer.status).toBe(400);
			expect(answer.json.error.code).toBe(131026);
		} finally {
			await strict.close();
		}
	});

	it('rejects a "to" that is not a phone number with 131009', async () => {
		const answer = await send(sandbox, {
			to: 'lena@example.com',
			type: 'text',
			text: { body: 'x' },
		});
		expect(answer.json.error.code).toBe(131009);
		expect(answer.json.error.error_data.details).toContain('to');
	});

	it("rejects the business's own number with 131021", async () => {
		const answer = await send(sandbox, text('493057700180'));
		expect(answer.json.error.code).toBe(131021);
	});
});

describe('request checks', () => {
	beforeEach(() => say(sandbox, LENA));

	it('requires messaging_product (code 100)', async () => {
		const answer = await api(sandbox, 'POST', `/${PHONE}/messages`, { body: text(LENA) });
		expect(answer.json.error).toMatchObject({ code: 100 });
		expect(answer.json.error.error_data.details).toContain('messaging_product');
	});

	it('requires "to" and text.body (131008)', async () => {
		expect((await send(sandbox, { type: 'text', text: { body: 'x' } })).json.error.code).toBe(
			131008,
		);
		const noBody = await send(sandbox, { to: `+${LENA}`, type: 'text', text: {} });
		expect(noBody.json.error.code).toBe(131008);
		expect(noBody.json.error.error_data.details).toContain('text.body');
	});

	it('rejects a text body over 4096 characters with 131009', async () => {
		const answer = await send(sandbox, text(LENA, 'x'.repeat(4097)));
		expect(answer.status).toBe(400);
		expect(answer.json.error.code).toBe(131009);
		expect(answer.json.error.error_data.details).toContain('4096');
	});

	it('rejects an unknown type with code 100', async () => {
		const answer = await send(sandbox, { to: `+${LENA}`, type: 'poll', poll: {} });
		expect(answer.json.error.code).toBe(100);
	});

	it('rejects media with neither id nor link (131008) and an unknown media id (131009)', async () => {
		expect(
			(await send(sandbox, { to: `+${LENA}`, type: 'image', image: {} })).json.error.code,
		).toBe(131008);
		const unknown = await send(sandbox, {
			to: `+${LENA}`,
			type: 'image',
			image: { id: '123456789' },
		});
		expect(unknown.json.error.code).toBe(131009);
	});

	it('rejects a caption on audio and a caption over 1024 characters with 131009', async () => {
		const audio = await send(sandbox, {
			to: `+${LENA}`,
			type: 'audio',
			audio: { link: 'https://e.com/a.ogg', caption: 'x' },
		});
		const long = await send(sandbox, {
			to: `+${LENA}`,
			type: 'image',
			image: { link: 'https://e.com/a.jpg', caption: 'x'.repeat(1025) },
		});
		expect(audio.json.error.code).toBe(131009);
		expect(long.json.error.code).toBe(131009);
	});

	it('rejects a fourth reply button and a button title over 20 characters with 131009', async () => {
		const button = (id: string, title = id) => ({ type: 'reply', reply: { id, title } });
		const four = await send(sandbox, {
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'x' },
				action: { buttons: ['a', 'b', 'c', 'd'].map((id) => button(id)) },
			},
		});
		const long = await send(sandbox, {
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'x' },
				action: { buttons: [button('a', 'A title that is too long')] },
			},
		});
		expect(four.json.error.code).toBe(131009);
		expect(four.json.error.error_data.details).toContain('at most 3');
		expect(long.json.error.code).toBe(131009);
	});

	it('rejects an eleventh list row with 131009', async () => {
		const rows = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
		const answer = await send(sandbox, {
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'x' },
				action: { button: 'Open', sections: [{ title: 'All', rows }] },
			},
		});
		expect(answer.json.error.code).toBe(131009);
		expect(answer.json.error.error_data.details).toContain('10');
	});

	it('rejects a reaction that is not an emoji with 131009', async () => {
		const answer = await send(sandbox, {
			to: `+${LENA}`,
			type: 'reaction',
			reaction: { message_id: 'wamid.x', emoji: 'ok' },
		});
		expect(answer.json.error.code).toBe(131009);
	});

	it('reports a reaction to a message not in the chat as a failed status with 131009', async () => {
		const answer = await send(sandbox, {
			to: `+${LENA}`,
			type: 'reaction',
			reaction: { message_id: 'wamid.unknown', emoji: '❤️' },
		});
		expect(answer.status).toBe(200);
		const failed = await waitForStatus(receiver, answer.json.messages[0].id, 'failed');
		expect(failed.errors[0].code).toBe(131009);
	});

	it('reports uploaded media of the wrong kind (a PNG sent as audio) as a failed status with 131053', async () => {
		const id = await uploadImage();
		const answer = await send(sandbox, { to: `+${LENA}`, type: 'audio', audio: { id } });
		const failed = await waitForStatus(receiver, answer.json.messages[0].id, 'failed');
		expect(failed.errors[0].code).toBe(131053);
	});
});

describe('mark as read and typing indicator', () => {
	it('marks a received message read and answers { success: true }', async () => {
		const inbound = await say(sandbox, LENA);
		const answer = await send(sandbox, { status: 'read', message_id: inbound });
		expect(answer.json).toEqual({ success: true });
		expect(sandbox.state.receivedMessages().find((m) => m.id === inbound)?.read_at).toEqual(
			expect.any(String),
		);
	});

	it('shows a typing indicator with the read receipt', async () => {
		const inbound = await say(sandbox, LENA);
		const answer = await send(sandbox, {
			status: 'read',
			message_id: inbound,
			typing_indicator: { type: 'text' },
		});
		expect(answer.json).toEqual({ success: true });
	});

	it('rejects an id that is not a received message with 131009', async () => {
		const answer = await send(sandbox, { status: 'read', message_id: 'wamid.nothing' });
		expect(answer.json.error.code).toBe(131009);
	});

	it('rejects a typing indicator of another type with 131009', async () => {
		const inbound = await say(sandbox, AVERY_US);
		const answer = await send(sandbox, {
			status: 'read',
			message_id: inbound,
			typing_indicator: { type: 'audio' },
		});
		expect(answer.json.error.code).toBe(131009);
	});
});
