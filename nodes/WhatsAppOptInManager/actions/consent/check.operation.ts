import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { MARKETING, TRANSACTIONAL, type Purpose, type TemplateCategory } from '../../../core/model';
import { checkConsent, checkErasure, type Decision } from '../../../core/policy';
import type { Batch } from '../batch';
import {
	type Contact,
	NO_SENDER,
	contactProperty,
	defaultCountryOption,
	itemError,
	parseTopics,
	readContact,
	showFor,
	shown,
} from '../common';

const ALLOWED_OUTPUT = 0;
const NOT_ALLOWED_OUTPUT = 1;

export const description: INodeProperties[] = showFor(
	'consent',
	['check'],
	[
		{
			displayName:
				'Items go to Allowed or Not Allowed by the consent rules Send Template applies (opt-in, opt-out, double opt-in, erasure). Send Template also applies the frequency cap, quiet hours and the template status when it sends.',
			name: 'checkNotice',
			type: 'notice',
			default: '',
		},
		contactProperty,
		{
			displayName: 'Purpose',
			name: 'purpose',
			type: 'options',
			options: [
				{
					name: 'Marketing',
					value: MARKETING,
					description: 'May a marketing template be sent?',
				},
				{
					name: 'Transactional',
					value: TRANSACTIONAL,
					description: 'May a utility or authentication template be sent?',
				},
				{
					name: 'Topic',
					value: 'topic',
					description: 'May a marketing template on one of your topics be sent?',
				},
			],
			default: MARKETING,
		},
		{
			displayName: 'Topic',
			name: 'topic',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. back_in_stock',
			description: 'The consent topic the template belongs to',
			displayOptions: { show: { purpose: ['topic'] } },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [defaultCountryOption],
		},
	],
);

interface Question {
	contact: Contact;
	purpose: Purpose;
	category: TemplateCategory;
	topic?: Purpose;
}

/**
 * The template category a purpose stands for, as Send Template sees it: marketing and topics need
 * marketing consent, transactional messages are utility templates (any active opt-in).
 */
function categoryOf(purpose: Purpose): TemplateCategory {
	return purpose === TRANSACTIONAL ? 'utility' : 'marketing';
}

/**
 * Splits the items into Allowed and Not Allowed with the erasure and consent rules (the ones Send
 * Template runs for consent), reading all contacts in one store call. Items pass through with a
 * `consentCheck` field that carries the rule and the sentence.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const read = batch.each((itemIndex): Question => {
		const contact = readContact(this, itemIndex);
		const choice = String(this.getNodeParameter('purpose', itemIndex, MARKETING) ?? '').trim();
		if (choice === 'topic') {
			const [topic, more] = parseTopics(
				this,
				itemIndex,
				this.getNodeParameter('topic', itemIndex, ''),
				'Topic',
			);
			if (!topic || more) {
				throw itemError(
					this,
					itemIndex,
					topic ? 'Topic names more than one topic' : 'Topic is empty',
					'Name the one consent topic the template belongs to, e.g. back_in_stock.',
				);
			}
			return { contact, purpose: topic, category: 'marketing', topic };
		}
		if (choice === '') {
			throw itemError(
				this,
				itemIndex,
				'Purpose is empty',
				'Choose Marketing, Transactional or Topic.',
			);
		}
		// An expression may name a topic directly; marketing and transactional are the built-ins.
		const topic = choice === MARKETING || choice === TRANSACTIONAL ? undefined : choice;
		if (topic) parseTopics(this, itemIndex, topic, 'Purpose');
		return { contact, purpose: choice, category: categoryOf(choice), topic };
	});
	if (read.length === 0) return;

	const store = await batch.store();
	const snapshot = await store.getSnapshot({
		sender: NO_SENDER,
		contacts: read.map((r) => r.value.contact.contact),
		marketingSince: batch.now,
	});
	for (const { itemIndex, value } of read) {
		const entry = snapshot.contacts.get(value.contact.contact);
		const who = shown(value.contact);
		const erased = checkErasure({ contact: who, suppressed: entry?.suppressed ?? false });
		const decision: Decision = erased.allowed
			? checkConsent({
					contact: who,
					category: value.category,
					consents: entry?.consents ?? [],
					topic: value.topic,
				})
			: erased;
		const input = batch.items[itemIndex];
		const consentCheck: IDataObject = {
			allowed: decision.allowed,
			contact: value.contact.contact,
			purpose: value.purpose,
			category: value.category,
			...(decision.allowed
				? { message: allowedMessage(who, value) }
				: { rule: decision.rule, reason: decision.reason, message: decision.message }),
		};
		batch.emit(
			itemIndex,
			{ ...input.json, consentCheck },
			{
				output: decision.allowed ? ALLOWED_OUTPUT : NOT_ALLOWED_OUTPUT,
				binary: input.binary,
			},
		);
	}
}

function allowedMessage(who: string, question: Question): string {
	if (question.topic) {
		return `${who} opted in to "${question.topic}" messages and has not stopped marketing, so marketing templates on this topic may be sent (the frequency cap and quiet hours apply when sending).`;
	}
	if (question.category === 'marketing') {
		return `${who} opted in to marketing messages, so marketing templates may be sent (the frequency cap and quiet hours apply when sending).`;
	}
	return `${who} has an active opt-in, so utility and authentication templates may be sent.`;
}
