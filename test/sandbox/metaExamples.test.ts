/**
 * The sandbox accepts what Meta accepts: each of the 50 request examples of Meta's OpenAPI spec
 * for POST /<PHONE_NUMBER_ID>/messages is posted, and each is accepted and delivered. What is
 * adapted, and why:
 *
 * - Recipients ("{{Recipient-Phone-Number}}", "+16505551234", "16315555555") become Lena, a seed
 *   contact whose customer service window is open (she wrote first), so free-form examples are
 *   delivered; her pair rate limit is raised above 50, so one test may send all of them to her.
 * - Media ids ("<IMAGE_OBJECT_ID>") become media uploaded to the sender number first, of the
 *   type the example sends; media links ("http(s)://image-url", and the Wikimedia image of "Send
 *   Order Details Message", which this machine cannot reach) become a local server's files of that
 *   type, which the sandbox downloads as Meta does.
 * - Message ids Meta's examples react to, quote or mark read become Lena's message.
 * - Templates: the seed has hello_world ("Send Test Message"); the templates the other examples
 *   name are added to this test's seed with the components the example fills (Meta's sample
 *   templates intro_catalog_offer and sample_issue_resolution; "template-name" and
 *   "<TEMPLATE_NAME>" become purchase_receipt, purchase_receipt_image, purchase_feedback and
 *   book_appointment, one per set of components), in en_US for "language-and-locale-code".
 * - Flow ids and names, and the header type of "Send Multi-Product Message" ("<HEADER_TYPE>"),
 *   are filled in as in the core contract test (fillForSchema).
 *
 * "Send Sample Issue Resolution Template" is the one example Meta's own schema rejects (its
 * quick-reply parameters are the booleans true and false): the sandbox answers it with 131009.
 */
import { bundledSeedInput } from '../../sandbox/seedLoader';
import type { Sandbox } from '../../sandbox/server';
import { startMediaServer, type MediaServer } from '../support/mediaServer';
import {
	describeWithMetaSpec,
	fillForSchema,
	mapStrings,
	requestExamples,
	type Json,
} from '../support/metaSpec';
import {
	LENA,
	PHONE,
	type Receiver,
	say,
	send,
	startReceiver,
	startTestSandbox,
	statusesOf,
	TOKEN,
	VERSION,
	waitFor,
} from './support';

const BROKEN_EXAMPLE = 'Send Sample Issue Resolution Template';

/** Templates Meta's examples name, defined with the components each example fills. */
const body3 = { type: 'BODY', text: 'Hi {{1}}, we received {{2}} on {{3}}. Thank you!' };
const imageHeader = { type: 'HEADER', format: 'IMAGE' };
const exampleTemplates = [
	{
		name: 'intro_catalog_offer',
		category: 'MARKETING',
		components: [
			{
				type: 'BODY',
				text: 'Now shop for your favourite products right here on WhatsApp! Get Rs {{1}} off on all orders above {{2}}Rs! Valid for your first {{3}} orders placed on WhatsApp!',
			},
			{ type: 'FOOTER', text: 'Best grocery deals on WhatsApp!' },
			{ type: 'BUTTONS', buttons: [{ type: 'CATALOG', text: 'View catalog' }] },
		],
	},
	{
		name: 'sample_issue_resolution',
		category: 'UTILITY',
		components: [
			{ type: 'BODY', text: 'Hi {{1}}, were we able to solve the issue that you were facing?' },
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'QUICK_REPLY', text: 'Yes' },
					{ type: 'QUICK_REPLY', text: 'No' },
				],
			},
		],
	},
	{ name: 'purchase_receipt', category: 'UTILITY', components: [body3] },
	{ name: 'purchase_receipt_image', category: 'UTILITY', components: [imageHeader, body3] },
	{
		name: 'purchase_feedback',
		category: 'MARKETING',
		components: [
			imageHeader,
			body3,
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'QUICK_REPLY', text: 'Loved it' },
					{ type: 'QUICK_REPLY', text: 'Not really' },
				],
			},
		],
	},
	{
		name: 'book_appointment',
		category: 'UTILITY',
		components: [
			{ type: 'BODY', text: 'Book your next visit in a few taps.' },
			{
				type: 'BUTTONS',
				buttons: [{ type: 'FLOW', text: 'Book now', flow_id: '1084373206302416' }],
			},
		],
	},
].map((template, i) => ({
	...template,
	language: 'en_US',
	status: 'APPROVED',
	parameter_format: 'POSITIONAL',
	id: String(1500000000000001 + i),
}));

/** The template each "template-name" / "<TEMPLATE_NAME>" example stands for. */
const TEMPLATE_FOR: Record<string, string> = {
	'Send Message Template Text': 'purchase_receipt',
	'Send Sample Shipping Confirmation Template': 'purchase_receipt',
	'Send Sample Text Message': 'purchase_receipt',
	'Send Message Template Media': 'purchase_receipt_image',
	'Send Message Template Interactive': 'purchase_feedback',
	'Send Flow Template Message': 'book_appointment',
};

const MEDIA_FILE: Record<string, { file: string; type: string }> = {
	image: { file: 'image.jpg', type: 'image/jpeg' },
	video: { file: 'video.mp4', type: 'video/mp4' },
	audio: { file: 'audio.ogg', type: 'audio/ogg' },
	document: { file: 'document.pdf', type: 'application/pdf' },
	sticker: { file: 'sticker.webp', type: 'image/webp' },
};

describeWithMetaSpec("Meta's request examples against the sandbox", (spec) => {
	let sandbox: Sandbox;
	let receiver: Receiver;
	let media: MediaServer;
	const uploaded: Record<string, string> = {};
	let lenasMessage: string;

	beforeAll(async () => {
		receiver = await startReceiver();
		media = await startMediaServer();
		const seed = bundledSeedInput();
		sandbox = await startTestSandbox({
			webhookUrl: receiver.url,
			seed: { ...seed, templates: [...seed.templates, ...exampleTemplates] },
			pairLimit: { burst: 60 },
		});
		for (const [kind, { type }] of Object.entries(MEDIA_FILE)) {
			uploaded[kind] = await upload(sandbox, type);
		}
		lenasMessage = await say(sandbox, LENA);
	});
	afterAll(async () => {
		await sandbox?.close();
		await receiver?.close();
		await media?.close();
	});

	function adapt(name: string, example: Json): Json {
		const filled = fillForSchema(example);
		return mapStrings(filled, (site) => {
			const parent = String(site.path[site.path.length - 2]);
			if (site.key === 'to') return `+${LENA}`;
			if (site.key === 'link' && MEDIA_FILE[parent]) return media.link(MEDIA_FILE[parent].file);
			if (site.key === 'id' && MEDIA_FILE[parent]) return uploaded[parent];
			if (site.key === 'message_id') return lenasMessage;
			if (site.key === 'name' && site.path[0] === 'template' && TEMPLATE_FOR[name]) {
				return TEMPLATE_FOR[name];
			}
			return undefined;
		});
	}

	const examples = Object.entries(requestExamples(spec));

	it('posts all 50 of them', () => {
		expect(examples).toHaveLength(50);
	});

	it("accepts each valid example of Meta's and delivers it", async () => {
		const sent: { name: string; wamid: string; type: string }[] = [];
		const answers: Record<string, unknown> = {};
		const valid = examples.filter(([name]) => name !== BROKEN_EXAMPLE);
		for (const [name, example] of valid) {
			const body = adapt(name, example);
			const answer = await send(sandbox, body);
			answers[name] = answer.status === 200 ? 200 : answer.json;
			if (answer.status === 200 && body.status !== 'read') {
				sent.push({ name, wamid: answer.json.messages[0].id, type: String(body.type ?? '') });
			}
		}
		expect(answers).toEqual(Object.fromEntries(valid.map(([name]) => [name, 200])));
		// All but the read receipt are messages, each with its wamid.
		expect(sent).toHaveLength(48);
		// Each is delivered (a reaction only ever gets "sent"), its media links downloaded first.
		const settled = await waitFor(
			() => {
				const now = sent.map((s) => ({
					...s,
					statuses: statusesOf(receiver, s.wamid).map((x) => x.status as string),
				}));
				const done = now.every(
					(s) =>
						s.statuses.includes('failed') ||
						s.statuses.includes(s.type === 'reaction' ? 'sent' : 'delivered'),
				);
				return done ? now : undefined;
			},
			'the statuses of every example',
			15_000,
		);
		expect(settled.filter((s) => s.statuses.includes('failed')).map((s) => s.name)).toEqual([]);
		expect(media.requested.length).toBeGreaterThanOrEqual(12);
	}, 60_000);

	it(`answers "${BROKEN_EXAMPLE}" with 131009: its quick-reply parameters are booleans`, async () => {
		const [, example] = examples.find(([name]) => name === BROKEN_EXAMPLE)!;
		const answer = await send(sandbox, adapt(BROKEN_EXAMPLE, example));
		expect(answer.status).toBe(400);
		expect(answer.json.error).toMatchObject({
			code: 131009,
			error_data: {
				details: 'template.components[1].parameters[0].text must be a string; got boolean true.',
			},
		});
	});
});

async function upload(sandbox: Sandbox, type: string): Promise<string> {
	const form = new FormData();
	form.append('messaging_product', 'whatsapp');
	form.append('type', type);
	form.append('file', new Blob([new Uint8Array(512).fill(7)], { type }), 'file');
	const response = await fetch(`${sandbox.url}/${VERSION}/${PHONE}/media`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}` },
		body: form,
	});
	const json = (await response.json()) as Json;
	expect(response.status).toBe(200);
	return json.id as string;
}
