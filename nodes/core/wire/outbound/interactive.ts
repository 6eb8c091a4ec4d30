/** Interactive messages: reply buttons, a list, a call-to-action URL button. */
import { WireError } from '../wireError';
import { isWebUrl, optionalText, requiredText } from './checks';
import { buildEnvelope, type OutboundEnvelope, type SendOptions } from './envelope';
import { headerDocument, mediaRef, type MediaInput, type MediaRef } from './media';

/** Meta's limits on interactive messages, in characters unless named otherwise. */
export const INTERACTIVE_LIMITS = {
	interactiveBody: 1024,
	listBody: 4096,
	interactiveFooter: 60,
	interactiveHeaderText: 60,
	replyButtons: 3,
	replyButtonTitle: 20,
	replyButtonId: 256,
	listButton: 20,
	listSections: 10,
	listRows: 10,
	listSectionTitle: 24,
	listRowTitle: 24,
	listRowDescription: 72,
	listRowId: 200,
	ctaDisplayText: 20,
} as const;

export type InteractiveHeaderPayload =
	| { type: 'text'; text: string }
	| { type: 'image'; image: MediaRef }
	| { type: 'video'; video: MediaRef }
	| { type: 'document'; document: MediaRef & { filename?: string } };

export type InteractiveMessagePayload = OutboundEnvelope & {
	type: 'interactive';
	interactive:
		| {
				type: 'button';
				header?: InteractiveHeaderPayload;
				body: { text: string };
				footer?: { text: string };
				action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] };
		  }
		| {
				type: 'list';
				header?: { type: 'text'; text: string };
				body: { text: string };
				footer?: { text: string };
				action: {
					button: string;
					sections: {
						title?: string;
						rows: { id: string; title: string; description?: string }[];
					}[];
				};
		  }
		| {
				type: 'cta_url';
				header?: InteractiveHeaderPayload;
				body: { text: string };
				footer?: { text: string };
				action: { name: 'cta_url'; parameters: { display_text: string; url: string } };
		  };
};

export type InteractiveHeaderInput =
	| { readonly type: 'text'; readonly text: string }
	| ({ readonly type: 'image' | 'video' } & MediaInput)
	| ({ readonly type: 'document'; readonly filename?: string } & MediaInput);

export interface ReplyButtonsMessageInput extends SendOptions {
	readonly body: string;
	/** 1 to 3 buttons; ids and titles unique. */
	readonly buttons: readonly { readonly id: string; readonly title: string }[];
	readonly header?: InteractiveHeaderInput;
	readonly footer?: string;
}

export interface ListMessageInput extends SendOptions {
	readonly body: string;
	/** The label of the button that opens the list. */
	readonly button: string;
	/** Up to 10 sections with up to 10 rows in total; a title is needed when there are several. */
	readonly sections: readonly {
		readonly title?: string;
		readonly rows: readonly {
			readonly id: string;
			readonly title: string;
			readonly description?: string;
		}[];
	}[];
	/** Lists only take a text header. */
	readonly header?: string;
	readonly footer?: string;
}

export interface CtaUrlMessageInput extends SendOptions {
	readonly body: string;
	readonly display_text: string;
	/** An https URL. */
	readonly url: string;
	readonly header?: InteractiveHeaderInput;
	readonly footer?: string;
}

function interactiveHeader(header: InteractiveHeaderInput): InteractiveHeaderPayload {
	switch (header.type) {
		case 'text':
			return {
				type: 'text',
				text: requiredText(
					'header.text',
					'Header text',
					header.text,
					INTERACTIVE_LIMITS.interactiveHeaderText,
				),
			};
		case 'image':
			return { type: 'image', image: mediaRef('header', 'Header image', header) };
		case 'video':
			return { type: 'video', video: mediaRef('header', 'Header video', header) };
		case 'document': {
			const document = headerDocument(header);
			return { type: 'document', document };
		}
		default:
			throw new WireError(
				'header.type',
				`Header type "${String((header as { type?: unknown }).type)}" is not valid; use text, image, video or document.`,
			);
	}
}

function footer(value: unknown): { text: string } | undefined {
	const text = optionalText('footer', 'Footer text', value, INTERACTIVE_LIMITS.interactiveFooter);
	return text === undefined ? undefined : { text };
}

/** Meta identifies the tapped button or row by id, so two alike would be indistinguishable. */
function assertUnique(field: string, what: string, values: string[]): void {
	const seen = new Set<string>();
	for (const value of values) {
		if (seen.has(value)) {
			throw new WireError(field, `${what} "${value}" is used twice; each must be unique.`);
		}
		seen.add(value);
	}
}

export function buildReplyButtonsMessage(
	input: ReplyButtonsMessageInput,
): InteractiveMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, INTERACTIVE_LIMITS.interactiveBody);
	const buttons = Array.isArray(input.buttons) ? input.buttons : [];
	if (buttons.length === 0 || buttons.length > INTERACTIVE_LIMITS.replyButtons) {
		throw new WireError(
			'buttons',
			`Reply buttons: ${buttons.length} given; WhatsApp allows 1 to ${INTERACTIVE_LIMITS.replyButtons}. Use a list message for more choices.`,
		);
	}
	const replies = buttons.map((button, i) => ({
		type: 'reply' as const,
		reply: {
			id: requiredText(
				`buttons[${i}].id`,
				`Button ${i + 1} id`,
				button?.id,
				INTERACTIVE_LIMITS.replyButtonId,
				'Use a shorter id.',
			),
			title: requiredText(
				`buttons[${i}].title`,
				`Button ${i + 1} title`,
				button?.title,
				INTERACTIVE_LIMITS.replyButtonTitle,
			),
		},
	}));
	assertUnique(
		'buttons',
		'Button id',
		replies.map((b) => b.reply.id),
	);
	assertUnique(
		'buttons',
		'Button title',
		replies.map((b) => b.reply.title),
	);
	const interactive: Extract<InteractiveMessagePayload['interactive'], { type: 'button' }> = {
		type: 'button',
		body: { text: body },
		action: { buttons: replies },
	};
	if (input.header !== undefined) interactive.header = interactiveHeader(input.header);
	const foot = footer(input.footer);
	if (foot) interactive.footer = foot;
	return { ...envelope, type: 'interactive', interactive };
}

export function buildListMessage(input: ListMessageInput): InteractiveMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, INTERACTIVE_LIMITS.listBody);
	const button = requiredText(
		'button',
		'List button label',
		input.button,
		INTERACTIVE_LIMITS.listButton,
	);
	const sections = Array.isArray(input.sections) ? input.sections : [];
	if (sections.length === 0 || sections.length > INTERACTIVE_LIMITS.listSections) {
		throw new WireError(
			'sections',
			`List sections: ${sections.length} given; WhatsApp allows 1 to ${INTERACTIVE_LIMITS.listSections}.`,
		);
	}
	const rowCount = sections.reduce((n, s) => n + (Array.isArray(s?.rows) ? s.rows.length : 0), 0);
	if (rowCount > INTERACTIVE_LIMITS.listRows) {
		throw new WireError(
			'sections',
			`List rows: ${rowCount} given across all sections; WhatsApp allows at most ${INTERACTIVE_LIMITS.listRows} in total. Remove rows or split the list into two messages.`,
		);
	}
	const built = sections.map((section, s) => {
		const field = `sections[${s}]`;
		const rows: ListMessageInput['sections'][number]['rows'] = Array.isArray(section?.rows)
			? section.rows
			: [];
		if (rows.length === 0) {
			throw new WireError(
				`${field}.rows`,
				`List section ${s + 1} has no rows; give it at least one.`,
			);
		}
		const title = optionalText(
			`${field}.title`,
			`Section ${s + 1} title`,
			section.title,
			INTERACTIVE_LIMITS.listSectionTitle,
		);
		if (title === undefined && sections.length > 1) {
			throw new WireError(
				`${field}.title`,
				`Section ${s + 1} has no title; a list with several sections needs a title on each.`,
			);
		}
		return {
			...(title !== undefined ? { title } : {}),
			rows: rows.map((row, r) => {
				const at = `${field}.rows[${r}]`;
				const what = `Section ${s + 1} row ${r + 1}`;
				const description = optionalText(
					`${at}.description`,
					`${what} description`,
					row?.description,
					INTERACTIVE_LIMITS.listRowDescription,
				);
				return {
					id: requiredText(
						`${at}.id`,
						`${what} id`,
						row?.id,
						INTERACTIVE_LIMITS.listRowId,
						'Use a shorter id.',
					),
					title: requiredText(
						`${at}.title`,
						`${what} title`,
						row?.title,
						INTERACTIVE_LIMITS.listRowTitle,
					),
					...(description !== undefined ? { description } : {}),
				};
			}),
		};
	});
	assertUnique(
		'sections',
		'Row id',
		built.flatMap((s) => s.rows.map((r) => r.id)),
	);
	const interactive: Extract<InteractiveMessagePayload['interactive'], { type: 'list' }> = {
		type: 'list',
		body: { text: body },
		action: { button, sections: built },
	};
	const headerText = optionalText(
		'header',
		'Header text',
		input.header,
		INTERACTIVE_LIMITS.interactiveHeaderText,
	);
	if (headerText !== undefined) interactive.header = { type: 'text', text: headerText };
	const foot = footer(input.footer);
	if (foot) interactive.footer = foot;
	return { ...envelope, type: 'interactive', interactive };
}

export function buildCtaUrlMessage(input: CtaUrlMessageInput): InteractiveMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, INTERACTIVE_LIMITS.interactiveBody);
	const displayText = requiredText(
		'display_text',
		'Button text',
		input.display_text,
		INTERACTIVE_LIMITS.ctaDisplayText,
	);
	const url = requiredText('url', 'Button URL', input.url);
	if (!isWebUrl(url, ['https:'])) {
		throw new WireError(
			'url',
			`Button URL "${url}" is not an https address; give a full URL like https://example.com/offer.`,
		);
	}
	const interactive: Extract<InteractiveMessagePayload['interactive'], { type: 'cta_url' }> = {
		type: 'cta_url',
		body: { text: body },
		action: { name: 'cta_url', parameters: { display_text: displayText, url } },
	};
	if (input.header !== undefined) interactive.header = interactiveHeader(input.header);
	const foot = footer(input.footer);
	if (foot) interactive.footer = foot;
	return { ...envelope, type: 'interactive', interactive };
}
