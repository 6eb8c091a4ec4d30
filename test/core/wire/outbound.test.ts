import {
	buildAudioMessage,
	buildContactsMessage,
	buildCtaUrlMessage,
	buildDocumentMessage,
	buildImageMessage,
	buildListMessage,
	buildLocationMessage,
	buildMarkAsRead,
	buildMediaMessage,
	buildReactionMessage,
	buildReplyButtonsMessage,
	buildStickerMessage,
	buildTextMessage,
	buildTypingIndicator,
	buildVideoMessage,
	WireError,
	type ListMessageInput,
	type MediaMessageInput,
} from '../../../nodes/core/wire';
import { CONTACT_BSUID } from './fixtures';

const TO = '+4915112345678';
const BSUID = 'US.13491208655302741918';
const PARENT_BSUID = 'US.ENT.11815799212886844830';

/** Runs `build` and returns the WireError it throws (fails the test if it does not throw one). */
function wireError(build: () => unknown): WireError {
	try {
		build();
	} catch (error) {
		if (error instanceof WireError) return error;
		throw error;
	}
	throw new Error('expected a WireError, but the payload was built');
}

const chars = (n: number, c = 'a') => c.repeat(n);

describe('outbound envelope', () => {
	it('sends to the recipient exactly as given, as an individual', () => {
		expect(buildTextMessage({ to: TO, body: 'Hallo' })).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: TO,
			type: 'text',
			text: { body: 'Hallo' },
		});
	});

	it('sends to a business-scoped user ID in the "recipient" field, not in "to"', () => {
		expect(buildTextMessage({ to: BSUID, body: 'Hallo' })).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			recipient: BSUID,
			type: 'text',
			text: { body: 'Hallo' },
		});
		expect(buildTextMessage({ to: ` ${PARENT_BSUID} `, body: 'Hallo' })).toMatchObject({
			recipient: PARENT_BSUID,
		});
		expect(buildTextMessage({ to: PARENT_BSUID, body: 'Hallo' })).not.toHaveProperty('to');
	});

	it('addresses a business-scoped user ID in "recipient" for every kind of message', () => {
		const payloads = [
			buildMediaMessage({ to: BSUID, type: 'image', link: 'https://example.com/a.jpg' }),
			buildLocationMessage({ to: BSUID, latitude: 52.52, longitude: 13.405 }),
			buildReactionMessage({ to: BSUID, message_id: 'wamid.IN', emoji: '👍' }),
			buildReplyButtonsMessage({
				to: BSUID,
				body: 'Pick one',
				buttons: [{ id: 'a', title: 'A' }],
			}),
		];
		for (const payload of payloads) {
			expect(payload).toMatchObject({ recipient: BSUID });
			expect(payload).not.toHaveProperty('to');
		}
	});

	it('keeps phone numbers, group ids and user ids of the old shape in "to"', () => {
		expect(buildTextMessage({ to: TO, body: 'x' })).not.toHaveProperty('recipient');
		expect(buildTextMessage({ to: '4915112345678', body: 'x' }).to).toBe('4915112345678');
		// Not a BSUID by Meta's documented shape (country code, period, letters and digits).
		expect(buildTextMessage({ to: CONTACT_BSUID, body: 'x' }).to).toBe(CONTACT_BSUID);
		const group = buildTextMessage({
			to: 'US.13491208655302741918',
			recipient_type: 'group',
			body: 'x',
		});
		expect(group.to).toBe('US.13491208655302741918');
		expect(group).not.toHaveProperty('recipient');
	});

	it('adds the quoted message (contextual reply) and the callback data', () => {
		const payload = buildTextMessage({
			to: TO,
			body: 'Ja',
			context: { message_id: 'wamid.QUESTION' },
			biz_opaque_callback_data: 'order=A-1042',
		});
		expect(payload.context).toEqual({ message_id: 'wamid.QUESTION' });
		expect(payload.biz_opaque_callback_data).toBe('order=A-1042');
	});

	it('leaves out optional fields given as empty text', () => {
		const payload = buildTextMessage({
			to: TO,
			body: 'Ja',
			context: { message_id: '' },
			biz_opaque_callback_data: '',
		});
		expect(payload).not.toHaveProperty('context');
		expect(payload).not.toHaveProperty('biz_opaque_callback_data');
	});

	it("allows callback data of 490 characters (WhatsApp's 512 less the send's id) and rejects 491", () => {
		expect(
			buildTextMessage({ to: TO, body: 'x', biz_opaque_callback_data: chars(490) })
				.biz_opaque_callback_data,
		).toHaveLength(490);
		const error = wireError(() =>
			buildTextMessage({ to: TO, body: 'x', biz_opaque_callback_data: chars(491) }),
		);
		expect(error.field).toBe('biz_opaque_callback_data');
		expect(error.message).toBe(
			"Callback data (biz_opaque_callback_data) is 491 characters; WhatsApp allows at most 490. Of WhatsApp's 512, 22 carry the send's own id, which confirms it when Meta reports its status. Store the rest yourself and send a short key.",
		);
	});

	it('rejects a missing recipient', () => {
		const error = wireError(() => buildTextMessage({ to: ' ', body: 'x' }));
		expect(error.field).toBe('to');
		expect(error.message).toBe('Recipient (to) is empty; WhatsApp needs a value here.');
	});

	it('sends to a group when asked', () => {
		expect(
			buildTextMessage({ to: 'Y2FwaV9ncm91cDox', recipient_type: 'group', body: 'x' })
				.recipient_type,
		).toBe('group');
	});
});

describe('text message', () => {
	it('sends a body of 4,096 characters', () => {
		expect(buildTextMessage({ to: TO, body: chars(4096) }).text.body).toHaveLength(4096);
	});

	it('rejects a body of 4,097 characters, naming the field and the limit', () => {
		const error = wireError(() => buildTextMessage({ to: TO, body: chars(4097) }));
		expect(error.field).toBe('body');
		expect(error.message).toBe(
			'Body text is 4,097 characters; WhatsApp allows at most 4,096. Shorten the text.',
		);
	});

	it('counts an emoji as one character', () => {
		expect(() => buildTextMessage({ to: TO, body: chars(4096, '😀') })).not.toThrow();
		expect(() => buildTextMessage({ to: TO, body: chars(4097, '😀') })).toThrow(
			'Body text is 4,097 characters',
		);
	});

	it('rejects an empty body', () => {
		expect(wireError(() => buildTextMessage({ to: TO, body: '' })).message).toBe(
			'Body text is empty; WhatsApp needs a value here.',
		);
	});

	it('asks for a link preview when told to', () => {
		expect(
			buildTextMessage({ to: TO, body: 'https://example.de', preview_url: true }).text,
		).toEqual({
			body: 'https://example.de',
			preview_url: true,
		});
	});
});

describe('media messages', () => {
	it('sends an image by link with a caption of 1,024 characters', () => {
		const payload = buildImageMessage({
			to: TO,
			link: 'https://cdn.example.de/jacke.jpg',
			caption: chars(1024),
		});
		expect(payload.type).toBe('image');
		expect(payload.image).toEqual({
			link: 'https://cdn.example.de/jacke.jpg',
			caption: chars(1024),
		});
	});

	it.each(['image', 'video', 'document'] as const)(
		'rejects a %s caption of 1,025 characters',
		(type) => {
			const error = wireError(() =>
				buildMediaMessage({ to: TO, type, id: '1203948576102938', caption: chars(1025) }),
			);
			expect(error.field).toBe('caption');
			expect(error.message).toBe(
				'Caption is 1,025 characters; WhatsApp allows at most 1,024. Shorten the text.',
			);
		},
	);

	it('sends a video and a sticker by uploaded media id', () => {
		expect(buildVideoMessage({ to: TO, id: '77' }).video).toEqual({ id: '77' });
		expect(buildStickerMessage({ to: TO, id: '78' }).sticker).toEqual({ id: '78' });
	});

	it('sends a document with its filename', () => {
		expect(
			buildDocumentMessage({
				to: TO,
				id: '1376223850470843',
				filename: 'rechnung.pdf',
				caption: 'Rechnung',
			}).document,
		).toEqual({ id: '1376223850470843', filename: 'rechnung.pdf', caption: 'Rechnung' });
	});

	it('marks audio as a voice note when told to', () => {
		expect(buildAudioMessage({ to: TO, id: '55', voice: true }).audio).toEqual({
			id: '55',
			voice: true,
		});
	});

	it('needs exactly one of link and id', () => {
		expect(
			wireError(() => buildImageMessage({ to: TO, link: 'https://cdn.example.de/a.jpg', id: '1' }))
				.message,
		).toBe('Image: give either a link or a media id, not both.');
		expect(wireError(() => buildImageMessage({ to: TO })).message).toBe(
			'Image needs a link (an http(s) URL) or the id of uploaded media; neither was given.',
		);
	});

	it('rejects a link that is not an http(s) URL', () => {
		const error = wireError(() => buildDocumentMessage({ to: TO, link: 'file:///tmp/a.pdf' }));
		expect(error.field).toBe('document.link');
		expect(error.message).toMatch(/^Document link "file:\/\/\/tmp\/a.pdf" is not an http\(s\) URL/);
	});

	it.each(['audio', 'sticker'] as const)('rejects a caption on %s, which has none', (type) => {
		const input = { to: TO, type, id: '1', caption: 'Hör mal' } as unknown as MediaMessageInput;
		expect(wireError(() => buildMediaMessage(input)).message).toMatch(
			/messages cannot have a caption/,
		);
	});
});

describe('location message', () => {
	it('sends latitude and longitude at the ends of their ranges, numeric strings included', () => {
		expect(
			buildLocationMessage({ to: TO, latitude: 90, longitude: '-180', name: 'Pol' }).location,
		).toEqual({
			latitude: 90,
			longitude: -180,
			name: 'Pol',
		});
	});

	it('rejects a latitude beyond 90 and a longitude beyond 180', () => {
		expect(
			wireError(() => buildLocationMessage({ to: TO, latitude: 90.0001, longitude: 0 })).field,
		).toBe('location.latitude');
		expect(
			wireError(() => buildLocationMessage({ to: TO, latitude: 0, longitude: 180.5 })).message,
		).toBe('Longitude 180.5 is not valid; it must be a number from -180 to 180 (decimal degrees).');
		expect(
			wireError(() => buildLocationMessage({ to: TO, latitude: 'Berlin', longitude: 13 })).field,
		).toBe('location.latitude');
	});
});

describe('contacts message', () => {
	it('sends contact cards as given', () => {
		const card = {
			name: { formatted_name: 'Jonas Weber', first_name: 'Jonas' },
			phones: [{ phone: '+49401234567', type: 'WORK' }],
			birthday: '1988-04-12',
		};
		expect(buildContactsMessage({ to: TO, contacts: [card] }).contacts).toEqual([card]);
	});

	it('needs a formatted name on every card', () => {
		const error = wireError(() =>
			buildContactsMessage({
				to: TO,
				contacts: [{ name: { formatted_name: '', first_name: 'Jonas' } }],
			}),
		);
		expect(error.field).toBe('contacts[0].name.formatted_name');
	});

	it('rejects a birthday that is not YYYY-MM-DD and an empty list', () => {
		expect(
			wireError(() =>
				buildContactsMessage({
					to: TO,
					contacts: [{ name: { formatted_name: 'J' }, birthday: '12.04.1988' }],
				}),
			).message,
		).toBe('Contact 1 birthday "12.04.1988" is not a date in the form YYYY-MM-DD.');
		expect(wireError(() => buildContactsMessage({ to: TO, contacts: [] })).field).toBe('contacts');
	});
});

describe('interactive reply buttons', () => {
	const button = (i: number) => ({ id: `id-${i}`, title: `Option ${i}` });

	it('sends up to 3 buttons with header and footer', () => {
		const payload = buildReplyButtonsMessage({
			to: TO,
			body: 'Wann passt es?',
			buttons: [button(1), button(2), button(3)],
			header: { type: 'text', text: 'Termin' },
			footer: 'Lucky Shrub',
		});
		expect(payload.interactive).toEqual({
			type: 'button',
			header: { type: 'text', text: 'Termin' },
			body: { text: 'Wann passt es?' },
			footer: { text: 'Lucky Shrub' },
			action: {
				buttons: [1, 2, 3].map((i) => ({
					type: 'reply',
					reply: { id: `id-${i}`, title: `Option ${i}` },
				})),
			},
		});
	});

	it('rejects a fourth button and no buttons at all', () => {
		expect(
			wireError(() =>
				buildReplyButtonsMessage({ to: TO, body: 'x', buttons: [1, 2, 3, 4].map(button) }),
			).message,
		).toBe('Reply buttons: 4 given; WhatsApp allows 1 to 3. Use a list message for more choices.');
		expect(
			wireError(() => buildReplyButtonsMessage({ to: TO, body: 'x', buttons: [] })).field,
		).toBe('buttons');
	});

	it('allows a title of 20 characters and rejects 21', () => {
		expect(() =>
			buildReplyButtonsMessage({ to: TO, body: 'x', buttons: [{ id: 'a', title: chars(20) }] }),
		).not.toThrow();
		const error = wireError(() =>
			buildReplyButtonsMessage({ to: TO, body: 'x', buttons: [{ id: 'a', title: chars(21) }] }),
		);
		expect(error.field).toBe('buttons[0].title');
		expect(error.message).toBe(
			'Button 1 title is 21 characters; WhatsApp allows at most 20. Shorten the text.',
		);
	});

	it('allows an id of 256 characters and rejects 257', () => {
		expect(() =>
			buildReplyButtonsMessage({ to: TO, body: 'x', buttons: [{ id: chars(256), title: 'a' }] }),
		).not.toThrow();
		expect(
			wireError(() =>
				buildReplyButtonsMessage({ to: TO, body: 'x', buttons: [{ id: chars(257), title: 'a' }] }),
			).message,
		).toBe('Button 1 id is 257 characters; WhatsApp allows at most 256. Use a shorter id.');
	});

	it('rejects two buttons with the same id or the same title', () => {
		expect(
			wireError(() =>
				buildReplyButtonsMessage({
					to: TO,
					body: 'x',
					buttons: [
						{ id: 'a', title: 'Ja' },
						{ id: 'a', title: 'Nein' },
					],
				}),
			).message,
		).toBe('Button id "a" is used twice; each must be unique.');
		expect(
			wireError(() =>
				buildReplyButtonsMessage({
					to: TO,
					body: 'x',
					buttons: [
						{ id: 'a', title: 'Ja' },
						{ id: 'b', title: 'Ja' },
					],
				}),
			).message,
		).toBe('Button title "Ja" is used twice; each must be unique.');
	});

	it('allows a body of 1,024, a footer of 60 and a header text of 60 characters, not one more', () => {
		const ok = { to: TO, buttons: [button(1)] };
		expect(() =>
			buildReplyButtonsMessage({
				...ok,
				body: chars(1024),
				footer: chars(60),
				header: { type: 'text', text: chars(60) },
			}),
		).not.toThrow();
		expect(wireError(() => buildReplyButtonsMessage({ ...ok, body: chars(1025) })).message).toBe(
			'Body text is 1,025 characters; WhatsApp allows at most 1,024. Shorten the text.',
		);
		expect(
			wireError(() => buildReplyButtonsMessage({ ...ok, body: 'x', footer: chars(61) })).field,
		).toBe('footer');
		expect(
			wireError(() =>
				buildReplyButtonsMessage({ ...ok, body: 'x', header: { type: 'text', text: chars(61) } }),
			).field,
		).toBe('header.text');
	});

	it('takes a media header', () => {
		const payload = buildReplyButtonsMessage({
			to: TO,
			body: 'x',
			buttons: [button(1)],
			header: { type: 'document', id: '99', filename: 'plan.pdf' },
		});
		expect(payload.interactive.header).toEqual({
			type: 'document',
			document: { id: '99', filename: 'plan.pdf' },
		});
	});
});

describe('interactive list', () => {
	const rows = (n: number, prefix = 'r') =>
		Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Zeile ${i}` }));
	const list = (overrides: Partial<ListMessageInput> = {}): ListMessageInput => ({
		to: TO,
		body: 'Versandart?',
		button: 'Optionen',
		sections: [{ title: 'Schnell', rows: rows(2) }],
		...overrides,
	});

	it('sends sections and rows with header and footer', () => {
		const payload = buildListMessage(list({ header: 'Versand', footer: 'Danke' }));
		expect(payload.interactive).toEqual({
			type: 'list',
			header: { type: 'text', text: 'Versand' },
			body: { text: 'Versandart?' },
			footer: { text: 'Danke' },
			action: {
				button: 'Optionen',
				sections: [
					{
						title: 'Schnell',
						rows: [
							{ id: 'r0', title: 'Zeile 0' },
							{ id: 'r1', title: 'Zeile 1' },
						],
					},
				],
			},
		});
	});

	it('allows 10 rows in total and rejects 11, counted across sections', () => {
		expect(() =>
			buildListMessage(
				list({
					sections: [
						{ title: 'A', rows: rows(5, 'a') },
						{ title: 'B', rows: rows(5, 'b') },
					],
				}),
			),
		).not.toThrow();
		const error = wireError(() =>
			buildListMessage(
				list({
					sections: [
						{ title: 'A', rows: rows(5, 'a') },
						{ title: 'B', rows: rows(6, 'b') },
					],
				}),
			),
		);
		expect(error.field).toBe('sections');
		expect(error.message).toBe(
			'List rows: 11 given across all sections; WhatsApp allows at most 10 in total. Remove rows or split the list into two messages.',
		);
	});

	it('allows 10 sections and rejects 11', () => {
		const sections = (n: number) =>
			Array.from({ length: n }, (_, i) => ({
				title: `S${i}`,
				rows: [{ id: `s${i}`, title: 'x' }],
			}));
		expect(() => buildListMessage(list({ sections: sections(10) }))).not.toThrow();
		expect(wireError(() => buildListMessage(list({ sections: sections(11) }))).message).toBe(
			'List sections: 11 given; WhatsApp allows 1 to 10.',
		);
	});

	it('checks row title (24), description (72) and id (200) at their limits', () => {
		const one = (row: { id: string; title: string; description?: string }) =>
			list({ sections: [{ rows: [row] }] });
		expect(() =>
			buildListMessage(one({ id: chars(200), title: chars(24), description: chars(72) })),
		).not.toThrow();
		expect(wireError(() => buildListMessage(one({ id: 'a', title: chars(25) }))).field).toBe(
			'sections[0].rows[0].title',
		);
		expect(
			wireError(() => buildListMessage(one({ id: 'a', title: 'b', description: chars(73) })))
				.message,
		).toBe(
			'Section 1 row 1 description is 73 characters; WhatsApp allows at most 72. Shorten the text.',
		);
		expect(wireError(() => buildListMessage(one({ id: chars(201), title: 'b' }))).field).toBe(
			'sections[0].rows[0].id',
		);
	});

	it('checks the button label (20) and the body (4,096)', () => {
		expect(() => buildListMessage(list({ button: chars(20), body: chars(4096) }))).not.toThrow();
		expect(wireError(() => buildListMessage(list({ button: chars(21) }))).field).toBe('button');
		expect(wireError(() => buildListMessage(list({ body: chars(4097) }))).field).toBe('body');
	});

	it('rejects the same row id in two sections', () => {
		const error = wireError(() =>
			buildListMessage(
				list({
					sections: [
						{ title: 'A', rows: rows(1) },
						{ title: 'B', rows: rows(1) },
					],
				}),
			),
		);
		expect(error.message).toBe('Row id "r0" is used twice; each must be unique.');
	});

	it('needs a title on each section when there are several, of at most 24 characters', () => {
		expect(() => buildListMessage(list({ sections: [{ rows: rows(1) }] }))).not.toThrow();
		expect(
			wireError(() =>
				buildListMessage(
					list({ sections: [{ title: 'A', rows: rows(1, 'a') }, { rows: rows(1, 'b') }] }),
				),
			).message,
		).toBe('Section 2 has no title; a list with several sections needs a title on each.');
		expect(
			wireError(() => buildListMessage(list({ sections: [{ title: chars(25), rows: rows(1) }] })))
				.field,
		).toBe('sections[0].title');
	});

	it('rejects a section without rows', () => {
		expect(
			wireError(() => buildListMessage(list({ sections: [{ title: 'A', rows: [] }] }))).field,
		).toBe('sections[0].rows');
	});
});

describe('interactive call-to-action URL', () => {
	it('sends the button text and https URL', () => {
		const payload = buildCtaUrlMessage({
			to: TO,
			body: 'Termine ansehen',
			display_text: chars(20),
			url: 'https://shop.example.de/termine?c=1',
			header: { type: 'image', link: 'https://cdn.example.de/banner.png' },
		});
		expect(payload.interactive).toEqual({
			type: 'cta_url',
			header: { type: 'image', image: { link: 'https://cdn.example.de/banner.png' } },
			body: { text: 'Termine ansehen' },
			action: {
				name: 'cta_url',
				parameters: { display_text: chars(20), url: 'https://shop.example.de/termine?c=1' },
			},
		});
	});

	it('rejects a button text of 21 characters and a URL that is not https', () => {
		const base = { to: TO, body: 'x', url: 'https://example.de' };
		expect(wireError(() => buildCtaUrlMessage({ ...base, display_text: chars(21) })).field).toBe(
			'display_text',
		);
		expect(
			wireError(() =>
				buildCtaUrlMessage({ ...base, display_text: 'Los', url: 'http://example.de' }),
			).message,
		).toBe(
			'Button URL "http://example.de" is not an https address; give a full URL like https://example.com/offer.',
		);
	});
});

describe('reaction message', () => {
	it.each(['👍', '🇩🇪', '1️⃣', '👩‍👩‍👧'])('reacts with %s', (emoji) => {
		expect(buildReactionMessage({ to: TO, message_id: 'wamid.THEIRS', emoji }).reaction).toEqual({
			message_id: 'wamid.THEIRS',
			emoji,
		});
	});

	it('removes the reaction with an empty emoji', () => {
		expect(
			buildReactionMessage({ to: TO, message_id: 'wamid.THEIRS', emoji: '' }).reaction.emoji,
		).toBe('');
	});

	it.each(['ok', '👍👍', ':+1:'])('rejects %s, which is not a single emoji', (emoji) => {
		expect(
			wireError(() => buildReactionMessage({ to: TO, message_id: 'wamid.X', emoji })).field,
		).toBe('emoji');
	});

	it('needs the id of the message to react to', () => {
		expect(
			wireError(() => buildReactionMessage({ to: TO, message_id: '', emoji: '👍' })).field,
		).toBe('message_id');
	});
});

describe('read receipts and typing indicator', () => {
	it('marks a message as read', () => {
		expect(buildMarkAsRead({ message_id: 'wamid.IN' })).toEqual({
			messaging_product: 'whatsapp',
			status: 'read',
			message_id: 'wamid.IN',
		});
	});

	it('shows the typing indicator together with the read receipt', () => {
		expect(buildTypingIndicator({ message_id: 'wamid.IN' })).toEqual({
			messaging_product: 'whatsapp',
			status: 'read',
			message_id: 'wamid.IN',
			typing_indicator: { type: 'text' },
		});
	});

	it('needs the message id', () => {
		expect(wireError(() => buildMarkAsRead({ message_id: '' })).field).toBe('message_id');
	});
});
