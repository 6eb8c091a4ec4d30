/**
 * The body of POST /<PHONE_NUMBER_ID>/messages judged as Meta's server judges it, type by type.
 * Limits are those of Meta's message pages (text, media, location, contacts, interactive reply
 * buttons / list / CTA URL / flow, reaction, template). Everything found here fails the request
 * itself; failures Meta reports later (window, undeliverable, reaction target) are decided by the
 * sandbox state, which knows the conversation.
 */
import { GraphError } from '../graphError';
import type { MediaLink } from '../mediaFetch';
import {
	invalid,
	isObject,
	missing,
	optionalBoolean,
	optionalString,
	requireArray,
	requireNumber,
	requireObject,
	requireString,
	requireUrl,
	type Json,
} from './fields';
import { checkTemplate, type CheckedTemplate, type TemplateLookup } from './template';

export const MESSAGE_TYPES = [
	'audio',
	'contacts',
	'document',
	'image',
	'interactive',
	'location',
	'reaction',
	'sticker',
	'template',
	'text',
	'video',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface InteractiveChoice {
	readonly id: string;
	readonly title: string;
	readonly description?: string;
}

export interface CheckedMessage {
	readonly type: MessageType;
	/** A short line for logs and the `sent` list. */
	readonly summary: string;
	readonly template?: CheckedTemplate;
	/** Media sent by uploaded id (its MIME type is checked against the type by the state). */
	readonly mediaId?: string;
	/** Media sent by link (message, interactive header or template header): fetched after accepting. */
	readonly mediaLinks?: readonly MediaLink[];
	/** The wamid a reaction is for. */
	readonly reactionTo?: string;
	readonly interactive?: {
		readonly kind: string;
		readonly buttons?: readonly InteractiveChoice[];
		readonly rows?: readonly InteractiveChoice[];
	};
}

const MEDIA_TYPES = new Set(['audio', 'document', 'image', 'sticker', 'video']);
const CAPTIONED = new Set(['document', 'image', 'video']);

export function checkMessage(body: Json, lookup: TemplateLookup): CheckedMessage {
	// Left out, the type is the content the body carries (Meta's examples send an interactive body
	// without type); text, Meta's documented default, when it carries none.
	const type =
		body.type === undefined
			? (MESSAGE_TYPES.find((name) => body[name] !== undefined) ?? 'text')
			: body.type;
	if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
		throw new GraphError(
			100,
			`Param type must be one of {${MESSAGE_TYPES.join(', ').toUpperCase()}} - got ${JSON.stringify(type)}.`,
		);
	}
	if (body.context !== undefined) {
		const context = requireObject(body.context, 'context');
		requireString(context.message_id, 'context.message_id');
	}
	optionalString(body.biz_opaque_callback_data, 'biz_opaque_callback_data', 512);
	const content = body[type];
	switch (type as MessageType) {
		case 'text':
			return checkText(content);
		case 'location':
			return checkLocation(content);
		case 'contacts':
			return checkContacts(content);
		case 'interactive':
			return checkInteractive(content, lookup);
		case 'reaction':
			return checkReaction(content);
		case 'template': {
			const template = checkTemplate(content, lookup);
			return {
				type: 'template',
				summary: `template ${template.definition.name} (${template.definition.language})`,
				template,
				...links(template.mediaLink),
			};
		}
		default:
			return checkMedia(type as MessageType, content, lookup);
	}
}

function checkText(value: unknown): CheckedMessage {
	const text = requireObject(value, 'text');
	const body = requireString(text.body, 'text.body', { max: 4096 });
	optionalBoolean(text.preview_url, 'text.preview_url');
	return { type: 'text', summary: `text "${short(body)}"` };
}

function checkMedia(type: MessageType, value: unknown, lookup: TemplateLookup): CheckedMessage {
	if (!MEDIA_TYPES.has(type)) throw invalid('type', `unknown type ${type}.`);
	const media = requireObject(value, type);
	if (media.id !== undefined && media.link !== undefined) {
		throw invalid(type, 'give either id or link, not both.');
	}
	let mediaId: string | undefined;
	let mediaLink: MediaLink | undefined;
	if (media.id !== undefined) {
		mediaId = requireString(media.id, `${type}.id`);
		if (!lookup.hasMedia(mediaId)) {
			throw invalid(
				`${type}.id`,
				`no media with id ${mediaId} was uploaded to this phone number (or it was deleted).`,
			);
		}
	} else if (media.link !== undefined) {
		mediaLink = { url: requireUrl(media.link, `${type}.link`), kind: type };
	} else {
		throw missing(`${type}.id or ${type}.link`);
	}
	if (CAPTIONED.has(type)) optionalString(media.caption, `${type}.caption`, 1024);
	else if (media.caption !== undefined)
		throw invalid(`${type}.caption`, `${type} messages have no caption.`);
	if (type === 'document') optionalString(media.filename, 'document.filename', 240);
	if (type === 'audio') optionalBoolean(media.voice, 'audio.voice');
	return {
		type,
		summary: `${type} ${mediaId ? `id ${mediaId}` : String(media.link)}`,
		mediaId,
		...links(mediaLink),
	};
}

function checkLocation(value: unknown): CheckedMessage {
	const location = requireObject(value, 'location');
	const latitude = requireNumber(location.latitude, 'location.latitude', -90, 90);
	const longitude = requireNumber(location.longitude, 'location.longitude', -180, 180);
	optionalString(location.name, 'location.name', 1000);
	optionalString(location.address, 'location.address', 1000);
	return { type: 'location', summary: `location ${latitude},${longitude}` };
}

function checkContacts(value: unknown): CheckedMessage {
	const cards = requireArray(value, 'contacts');
	if (cards.length === 0) throw missing('contacts[0]');
	cards.forEach((raw, i) => {
		const card = requireObject(raw, `contacts[${i}]`);
		const name = requireObject(card.name, `contacts[${i}].name`);
		requireString(name.formatted_name, `contacts[${i}].name.formatted_name`);
		for (const list of ['phones', 'emails', 'urls', 'addresses']) {
			if (card[list] !== undefined) requireArray(card[list], `contacts[${i}].${list}`);
		}
	});
	return { type: 'contacts', summary: `contacts (${cards.length})` };
}

function checkReaction(value: unknown): CheckedMessage {
	const reaction = requireObject(value, 'reaction');
	const target = requireString(reaction.message_id, 'reaction.message_id');
	if (reaction.emoji === undefined || reaction.emoji === null) throw missing('reaction.emoji');
	if (typeof reaction.emoji !== 'string') throw invalid('reaction.emoji', 'must be a string.');
	// "" removes the reaction; anything else must be one emoji.
	if (reaction.emoji !== '' && !isOneEmoji(reaction.emoji)) {
		throw invalid('reaction.emoji', `"${reaction.emoji}" is not an emoji.`);
	}
	return {
		type: 'reaction',
		summary:
			reaction.emoji === '' ? `reaction removed from ${target}` : `reaction ${reaction.emoji}`,
		reactionTo: target,
	};
}

function isOneEmoji(text: string): boolean {
	const segments = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)];
	return (
		segments.length === 1 && /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(text)
	);
}

// ---------------------------------------------------------------------------------------------
// Interactive

function checkInteractive(value: unknown, lookup: TemplateLookup): CheckedMessage {
	const interactive = requireObject(value, 'interactive');
	const kind = requireString(interactive.type, 'interactive.type');
	switch (kind) {
		case 'button':
			return checkReplyButtons(interactive, lookup);
		case 'list':
			return checkList(interactive);
		case 'cta_url':
			return checkCtaUrl(interactive, lookup);
		case 'flow':
			return checkFlow(interactive, lookup);
		case 'location_request_message':
			requireString(
				requireObject(interactive.body, 'interactive.body').text,
				'interactive.body.text',
				{
					max: 1024,
				},
			);
			if (requireObject(interactive.action, 'interactive.action').name !== 'send_location') {
				throw invalid('interactive.action.name', 'must be "send_location".');
			}
			return {
				type: 'interactive',
				summary: 'interactive location request',
				interactive: { kind },
			};
		case 'catalog_message':
		case 'product':
		case 'product_list':
		case 'order_details':
		case 'order_status':
		case 'call_permission_request': {
			// Their shape is Meta's schema's; catalogs, products and payment settings are not
			// modelled, so what they refer to is not checked.
			const headerLink = checkHeader(interactive, ['text', 'image', 'video', 'document'], lookup);
			return {
				type: 'interactive',
				summary: `interactive ${kind}`,
				interactive: { kind },
				...links(headerLink),
			};
		}
		default:
			throw invalid(
				'interactive.type',
				`"${kind}" is not supported here; use button, list, cta_url, flow, location_request_message, catalog_message, product, product_list, order_details, order_status or call_permission_request.`,
			);
	}
}

function checkBodyAndFooter(interactive: Json, bodyMax: number): string {
	const body = requireObject(interactive.body, 'interactive.body');
	const text = requireString(body.text, 'interactive.body.text', { max: bodyMax });
	if (interactive.footer !== undefined) {
		const footer = requireObject(interactive.footer, 'interactive.footer');
		requireString(footer.text, 'interactive.footer.text', { max: 60 });
	}
	return text;
}

/** @returns the header's media link, which is fetched after accepting. */
function checkHeader(
	interactive: Json,
	allowed: readonly string[],
	lookup: TemplateLookup,
): MediaLink | undefined {
	if (interactive.header === undefined) return undefined;
	const header = requireObject(interactive.header, 'interactive.header');
	const type = requireString(header.type, 'interactive.header.type');
	if (!allowed.includes(type)) {
		throw invalid('interactive.header.type', `must be ${allowed.join(', ')}; got "${type}".`);
	}
	if (type === 'text') {
		requireString(header.text, 'interactive.header.text', { max: 60 });
		return undefined;
	}
	const media = requireObject(header[type], `interactive.header.${type}`);
	if (media.id !== undefined) {
		const id = requireString(media.id, `interactive.header.${type}.id`);
		if (!lookup.hasMedia(id)) {
			throw invalid(
				`interactive.header.${type}.id`,
				`no media with id ${id} was uploaded to this phone number.`,
			);
		}
		return undefined;
	}
	return { url: requireUrl(media.link, `interactive.header.${type}.link`), kind: type };
}

function links(link: MediaLink | undefined): { mediaLinks?: readonly MediaLink[] } {
	return link ? { mediaLinks: [link] } : {};
}

function checkReplyButtons(interactive: Json, lookup: TemplateLookup): CheckedMessage {
	const headerLink = checkHeader(interactive, ['text', 'image', 'video', 'document'], lookup);
	const text = checkBodyAndFooter(interactive, 1024);
	const action = requireObject(interactive.action, 'interactive.action');
	const list = requireArray(action.buttons, 'interactive.action.buttons');
	if (list.length === 0) throw missing('interactive.action.buttons[0]');
	if (list.length > 3) {
		throw invalid(
			'interactive.action.buttons',
			`has ${list.length} buttons; at most 3 are allowed.`,
		);
	}
	const buttons = list.map((raw, i) => {
		const path = `interactive.action.buttons[${i}]`;
		const button = requireObject(raw, path);
		if (button.type !== 'reply') throw invalid(`${path}.type`, 'must be "reply".');
		const reply = requireObject(button.reply, `${path}.reply`);
		return {
			id: requireString(reply.id, `${path}.reply.id`, { max: 256 }),
			title: requireString(reply.title, `${path}.reply.title`, { max: 20 }),
		};
	});
	unique(
		buttons.map((b) => b.id),
		'interactive.action.buttons',
		'id',
	);
	unique(
		buttons.map((b) => b.title),
		'interactive.action.buttons',
		'title',
	);
	return {
		type: 'interactive',
		summary: `interactive buttons "${short(text)}" [${buttons.map((b) => b.title).join(' | ')}]`,
		interactive: { kind: 'button', buttons },
		...links(headerLink),
	};
}

function checkList(interactive: Json): CheckedMessage {
	if (interactive.header !== undefined) {
		const header = requireObject(interactive.header, 'interactive.header');
		if (header.type !== 'text')
			throw invalid('interactive.header.type', 'list messages take only a text header.');
		requireString(header.text, 'interactive.header.text', { max: 60 });
	}
	const text = checkBodyAndFooter(interactive, 4096);
	const action = requireObject(interactive.action, 'interactive.action');
	requireString(action.button, 'interactive.action.button', { max: 20 });
	const sections = requireArray(action.sections, 'interactive.action.sections');
	if (sections.length === 0) throw missing('interactive.action.sections[0]');
	if (sections.length > 10) {
		throw invalid(
			'interactive.action.sections',
			`has ${sections.length} sections; at most 10 are allowed.`,
		);
	}
	const rows: InteractiveChoice[] = [];
	sections.forEach((raw, s) => {
		const path = `interactive.action.sections[${s}]`;
		const section = requireObject(raw, path);
		if (sections.length > 1) requireString(section.title, `${path}.title`, { max: 24 });
		else optionalString(section.title, `${path}.title`, 24);
		const list = requireArray(section.rows, `${path}.rows`);
		if (list.length === 0) throw missing(`${path}.rows[0]`);
		list.forEach((rawRow, r) => {
			const rowPath = `${path}.rows[${r}]`;
			const row = requireObject(rawRow, rowPath);
			const description = optionalString(row.description, `${rowPath}.description`, 72);
			rows.push({
				id: requireString(row.id, `${rowPath}.id`, { max: 200 }),
				title: requireString(row.title, `${rowPath}.title`, { max: 24 }),
				...(description !== undefined ? { description } : {}),
			});
		});
	});
	if (rows.length > 10) {
		throw invalid(
			'interactive.action.sections',
			`have ${rows.length} rows in all; at most 10 are allowed.`,
		);
	}
	unique(
		rows.map((r) => r.id),
		'interactive.action.sections rows',
		'id',
	);
	return {
		type: 'interactive',
		summary: `interactive list "${short(text)}" (${rows.length} rows)`,
		interactive: { kind: 'list', rows },
	};
}

function checkCtaUrl(interactive: Json, lookup: TemplateLookup): CheckedMessage {
	const headerLink = checkHeader(interactive, ['text', 'image', 'video', 'document'], lookup);
	const text = checkBodyAndFooter(interactive, 1024);
	const action = requireObject(interactive.action, 'interactive.action');
	if (action.name !== 'cta_url') throw invalid('interactive.action.name', 'must be "cta_url".');
	const parameters = requireObject(action.parameters, 'interactive.action.parameters');
	const label = requireString(
		parameters.display_text,
		'interactive.action.parameters.display_text',
		{
			max: 20,
		},
	);
	const url = requireUrl(parameters.url, 'interactive.action.parameters.url');
	return {
		type: 'interactive',
		summary: `interactive cta_url "${short(text)}" [${label} -> ${url}]`,
		interactive: { kind: 'cta_url' },
		...links(headerLink),
	};
}

function checkFlow(interactive: Json, lookup: TemplateLookup): CheckedMessage {
	const headerLink = checkHeader(interactive, ['text', 'image', 'video', 'document'], lookup);
	const text = checkBodyAndFooter(interactive, 1024);
	const action = requireObject(interactive.action, 'interactive.action');
	if (action.name !== 'flow') throw invalid('interactive.action.name', 'must be "flow".');
	const p = requireObject(action.parameters, 'interactive.action.parameters');
	const at = 'interactive.action.parameters';
	if (p.flow_message_version !== '3') {
		throw p.flow_message_version === undefined
			? missing(`${at}.flow_message_version`)
			: invalid(`${at}.flow_message_version`, 'must be "3".');
	}
	if (p.flow_id === undefined && p.flow_name === undefined)
		missingEither(`${at}.flow_id`, `${at}.flow_name`);
	if (p.flow_id !== undefined && p.flow_name !== undefined) {
		throw invalid(at, 'give either flow_id or flow_name, not both.');
	}
	if (p.flow_id !== undefined) requireString(String(p.flow_id), `${at}.flow_id`);
	else requireString(p.flow_name, `${at}.flow_name`);
	requireString(p.flow_cta, `${at}.flow_cta`, { max: 30 });
	optionalString(p.flow_token, `${at}.flow_token`);
	if (
		p.flow_action !== undefined &&
		p.flow_action !== 'navigate' &&
		p.flow_action !== 'data_exchange'
	) {
		throw invalid(`${at}.flow_action`, 'must be "navigate" or "data_exchange".');
	}
	if (p.mode !== undefined && p.mode !== 'published' && p.mode !== 'draft') {
		throw invalid(`${at}.mode`, 'must be "published" or "draft".');
	}
	if (p.flow_action_payload !== undefined && !isObject(p.flow_action_payload)) {
		throw invalid(`${at}.flow_action_payload`, 'must be an object.');
	}
	return {
		type: 'interactive',
		summary: `interactive flow "${short(text)}"`,
		interactive: { kind: 'flow' },
		...links(headerLink),
	};
}

function missingEither(a: string, b: string): never {
	throw new GraphError(131008, `The parameter ${a} or ${b} is required.`);
}

function unique(values: string[], path: string, field: string): void {
	const seen = new Set<string>();
	for (const value of values) {
		if (seen.has(value))
			throw invalid(path, `the ${field} "${value}" is used twice; each must be unique.`);
		seen.add(value);
	}
}

function short(text: string): string {
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
