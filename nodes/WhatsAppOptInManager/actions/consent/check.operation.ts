import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { MARKETING, TRANSACTIONAL, type Purpose } from '../../../core/model';
import { agentAllowedMessage, agentNotAllowedMessage, type HoldReason } from '../../../core/policy';
import { evaluateConsentOnly } from '../../../core/policy/consentCheck';
import { fullResultProperty } from '../../../shared/tool';
import type { Batch } from '../batch';
import { type Contact, shown } from '../contactFields';
import { iso } from '../json';
import { itemError, parseTopics, readContact } from '../parameters';
import { contactProperty, countryOptions, showFor } from '../properties';
import { NO_SENDER } from '../recording';

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
			// Not `required`: n8n shows (and would demand) it whenever Purpose is an expression.
			placeholder: 'e.g. back_in_stock',
			description: 'The consent topic the template belongs to; needed when Purpose is Topic',
			displayOptions: { show: { purpose: ['topic'] } },
		},
		countryOptions(),
		fullResultProperty,
	],
);

interface Question {
	contact: Contact;
	purpose: Purpose;
}

/**
 * Splits the items into Allowed and Not Allowed with the consent rules Send Template runs
 * (evaluateConsentOnly: erasure, then consent), reading all contacts in one store call. Items pass
 * through with a `consentCheck` field that carries the rule and the sentence.
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
			return { contact, purpose: topic };
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
		if (choice !== MARKETING && choice !== TRANSACTIONAL) {
			parseTopics(this, itemIndex, choice, 'Purpose');
		}
		return { contact, purpose: choice };
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
		const decision = evaluateConsentOnly(
			{
				contact: shown(value.contact),
				purpose: value.purpose,
				records: entry?.consents ?? [],
				suppressed: entry?.suppressed ?? false,
			},
			batch.now,
		);
		const input = batch.items[itemIndex];
		const consentCheck: IDataObject = {
			allowed: decision.allowed,
			contact: value.contact.contact,
			purpose: decision.purpose,
			category: decision.category,
			...(decision.allowed
				? { message: decision.message }
				: { rule: decision.rule, reason: decision.reason, message: decision.message }),
			asOf: iso(decision.asOf),
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

/**
 * A Check result as an AI agent's model gets it (the node as a tool): allowed or not, for which
 * purpose, and the sentence saying what that means; no consent records, no input item.
 */
export function toolResult(json: IDataObject): IDataObject {
	const check = (json.consentCheck ?? {}) as IDataObject;
	const purpose = String(check.purpose ?? '');
	const topic = purpose === MARKETING || purpose === TRANSACTIONAL ? undefined : purpose;
	const allowed = check.allowed === true;
	return {
		result: allowed ? 'allowed' : 'not_allowed',
		purpose: check.purpose ?? null,
		category: check.category ?? null,
		...(allowed ? {} : { reason: check.reason ?? null }),
		message: allowed
			? agentAllowedMessage(String(check.category ?? ''), topic)
			: agentNotAllowedMessage(check.reason as HoldReason),
	};
}
