/**
 * Meta's 16 webhook examples (its OpenAPI spec, POST /whatsapp/webhooks) as the WhatsApp Webhook
 * Trigger must read them: the order they are posted in, and the item each becomes.
 *
 * Four of them ("Text Message", "Reaction Message", "Image Message", "Contact Sharing Message")
 * carry one wamid. A wamid names one message, so Meta's data says: after "Text Message", the other
 * three are deliveries of a message already seen, and the trigger drops them as duplicates. To
 * read what they carry too, each is posted once more with a wamid of its own (its id with a
 * suffix; nothing else changed).
 */
import type { Json } from './metaSpec';

export const SHARED_WAMID = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=';

/** The examples that repeat the wamid of "Text Message", which is posted before them. */
export const REPEATED_WAMID = ['Reaction Message', 'Image Message', 'Contact Sharing Message'];

/** The same example with a wamid of its own, so the trigger reads it as a new message. */
export function withOwnWamid(example: Json, name: string): Json {
	const copy = structuredClone(example);
	const message = copy.entry[0].changes[0].value.messages[0];
	expect(message.id).toBe(SHARED_WAMID);
	message.id = `${SHARED_WAMID}.${name.split(' ')[0].toLowerCase()}`;
	return copy;
}

const SHEENA = { contact: '16505551234', contactWaId: '16505551234', contactName: 'Sheena Nelson' };
const NUMBER = { phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881' };
const GROUP_ID = 'Y2FwaV9ncm91cDoxODA1NTU1MDE3MjoxMjAzNjMyMjI3NzE5NjMwNjcZD';
const PARTICIPANTS = [
	{ input: '16505551234', waId: '16505551234' },
	{ input: '16505551235', waId: '16505551235' },
];

/** The item (its fields that matter) each example becomes, by example name. */
export const EXPECTED_ITEMS: Record<string, Json> = {
	'Text Message': {
		kind: 'message',
		field: 'messages',
		businessAccountId: '419561257915477',
		...NUMBER,
		...SHEENA,
		messageId: SHARED_WAMID,
		messageType: 'text',
		text: 'Does it come in another color?',
		timestamp: '2025-06-08T20:59:43.000Z',
	},
	'Text Message with Context (Product Inquiry)': {
		kind: 'message',
		...SHEENA,
		messageType: 'text',
		text: 'Is this still available?',
		context: {
			from: '15550783881',
			messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA',
			referredProduct: { catalogId: '194836987003835', productRetailerId: 'di9ozbzfi4' },
		},
	},
	'Text Message from Click to WhatsApp Ad': {
		kind: 'message',
		...SHEENA,
		messageType: 'text',
		text: 'Hello! Can I get more info on this?',
		referral: {
			sourceType: 'ad',
			sourceId: '120226305854810726',
			sourceUrl: 'https://fb.me/3cr4Wqqkv',
			headline: 'Chat with us',
			body: 'Summer Succulents are here!',
			mediaType: 'image',
			welcomeMessage: 'Hi there! Let us know how we can help!',
		},
	},
	'Reaction Message': {
		kind: 'message',
		...SHEENA,
		messageType: 'reaction',
		reaction: {
			messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2ODVERUY5RDlGNkYA',
			emoji: '👍',
		},
	},
	'Image Message': {
		kind: 'message',
		...SHEENA,
		messageType: 'image',
		mediaId: '1003383421387256',
		mediaMimeType: 'image/jpeg',
		text: 'Taj Mahal',
	},
	'Location Message': {
		kind: 'message',
		messageType: 'location',
		location: {
			latitude: 37.44221496582,
			longitude: -122.16165924072,
			name: 'Philz Coffee',
			address: '101 Forest Ave, Palo Alto, CA 94301',
			url: 'https://philzcoffee.com/',
		},
	},
	'Contact Sharing Message': {
		kind: 'message',
		...SHEENA,
		messageType: 'contacts',
		raw: { contacts: [{ name: { formatted_name: 'Lucía Gómez' } }] },
	},
	'Unsupported Message': {
		kind: 'message',
		messageType: 'unsupported',
		errors: [
			{
				code: 131051,
				title: 'Message type unknown',
				details: 'Message type is currently not supported.',
			},
		],
	},
	'Button Message': {
		kind: 'message',
		messageType: 'button',
		text: 'Unsubscribe',
		buttonPayload: 'Unsubscribe',
		context: { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjk2OTMwNEZCQjhGMzUyQUYA' },
	},
	'Interactive List Reply Message': {
		kind: 'message',
		messageType: 'interactive',
		text: 'Priority Mail Express',
		listReply: {
			id: 'priority_express',
			title: 'Priority Mail Express',
			description: 'Next Day to 2 Days',
		},
	},
	'Interactive Button Reply Message': {
		kind: 'message',
		messageType: 'interactive',
		text: 'Cancel',
		buttonReply: { id: 'cancel-button', title: 'Cancel' },
	},
	'Order Message': {
		kind: 'message',
		messageType: 'order',
		order: {
			catalogId: '194836987003835',
			items: [
				{ productRetailerId: 'di9ozbzfi4', quantity: 2, itemPrice: 30, currency: 'USD' },
				{ productRetailerId: 'nqryix03ez', quantity: 1, itemPrice: 25, currency: 'USD' },
			],
		},
	},
	'System Message': {
		kind: 'message',
		contact: '16505551234',
		messageType: 'system',
		system: {
			type: 'user_changed_number',
			body: 'User Sheena Nelson changed from 16505551234 to 12195555358',
			newWaId: '12195555358',
		},
	},
	'Group Create Message': {
		kind: 'group',
		field: 'group_lifecycle_update',
		businessAccountId: '102290129340398',
		...NUMBER,
		groupId: GROUP_ID,
		timestamp: '2025-06-18T17:55:42.000Z',
		group: {
			type: 'group_create',
			requestId: '784D93D0C468593037EA0B1ECA245D9C',
			subject: 'your-group-subject',
			description: 'your-group-description',
			addedParticipants: PARTICIPANTS,
		},
	},
	'Group Settings Update': {
		kind: 'group',
		field: 'group_settings_update',
		groupId: GROUP_ID,
		group: {
			type: 'group_settings_update',
			requestId: '784D93D0C468593037EA0B1ECA245D9C',
			pictureUpdate: { mimeType: 'image/jpeg', sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHv' },
		},
	},
	// Meta's example says group_create here too; the field says what it is about.
	'Group Remove Participants': {
		kind: 'group',
		field: 'group_participants_update',
		groupId: GROUP_ID,
		group: { type: 'group_create', removedParticipants: PARTICIPANTS },
	},
};

export interface WebhookPost {
	/** The example's name, with " (own wamid)" for the second post of a repeated wamid. */
	readonly name: string;
	readonly body: Json;
	/** The item it becomes, or undefined for a duplicate the trigger drops. */
	readonly item: Json | undefined;
}

/**
 * The posts, in Meta's order: the 16 examples (the 3 that repeat a wamid expect no item), then
 * those 3 again, each with a wamid of its own.
 */
export function webhookPosts(examples: Record<string, Json>): WebhookPost[] {
	const names = Object.keys(examples);
	expect(names.sort()).toEqual(Object.keys(EXPECTED_ITEMS).sort());
	const inOrder = Object.entries(examples).map(([name, body]) => ({
		name,
		body,
		item: REPEATED_WAMID.includes(name) ? undefined : EXPECTED_ITEMS[name],
	}));
	const again = REPEATED_WAMID.map((name) => {
		const body = withOwnWamid(examples[name], name);
		const messageId = body.entry[0].changes[0].value.messages[0].id as string;
		return { name: `${name} (own wamid)`, body, item: { ...EXPECTED_ITEMS[name], messageId } };
	});
	return [...inOrder, ...again];
}
