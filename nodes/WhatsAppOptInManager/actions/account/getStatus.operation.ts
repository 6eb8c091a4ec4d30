import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	isLowNumberQuality,
	isLowTemplateQuality,
	messagingLimitFromMeta,
	numberQualityRating,
	placesLeft,
} from '../../../core/policy';
import {
	PORTFOLIO,
	numbersOf,
	templateOfSubject,
	templateSubject,
	type StandingEntry,
} from '../../../core/standing';
import type { AccountStanding } from '../../../core/store/types';
import type { Batch } from '../batch';
import { iso } from '../json';
import { showFor } from '../properties';

export const description: INodeProperties[] = showFor(
	'account',
	['getStatus'],
	[
		{
			displayName:
				'Shows what the compliance store knows: what the WhatsApp Webhook Trigger received and what WhatsApp Send Template last read from Meta (at most an hour old when it sends).',
			name: 'accountNotice',
			type: 'notice',
			default: '',
		},
	],
);

/**
 * The account's standing as the store has it: the portfolio's messaging limit with the contacts
 * reached in the last 24 hours, each number's and template's quality rating, and whether one of
 * them is low (Send Template then holds marketing). One item for all input items.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	if (batch.items.length === 0) return;
	const store = await batch.store();
	const standing = await store.getAccountStanding(batch.now);
	batch.emit(
		batch.items.map((_, i) => i),
		accountStatusJson(standing),
	);
}

function accountStatusJson(standing: AccountStanding): IDataObject {
	const { entries, reachedLast24h } = standing;
	const limitEntry = entries.find((e) => e.subject === PORTFOLIO && e.name === 'messaging_limit');
	const limit = messagingLimitFromMeta(limitEntry?.value) ?? null;
	const numbers = numbersOf(entries).map((n) => ({
		phoneNumberId: n.phoneNumberId ?? null,
		displayPhoneNumber: n.displayPhoneNumber ?? null,
		qualityRating: n.quality ? numberQualityRating(n.quality.value) : null,
		qualityLow: isLowNumberQuality(n.quality?.value),
		source: n.quality?.source ?? null,
		updatedAt: iso(n.quality?.at) ?? null,
		readFromMetaAt: iso(n.checkedAt) ?? null,
	}));
	const templates = templatesOf(standing);
	const low = [
		...numbers
			.filter((n) => n.qualityLow)
			.map((n) => `number ${n.displayPhoneNumber ?? n.phoneNumberId} (${n.qualityRating})`),
		...templates.filter((t) => t.qualityLow).map((t) => `template ${t.name} (${t.language})`),
	];
	const remaining = placesLeft(limit, reachedLast24h);
	const limitSentence =
		limit === null
			? `Meta's messaging limit is not known yet (Send Template reads it when it sends); ${reachedLast24h} contacts were reached outside the customer service window in the last 24 hours.`
			: limit === 'unlimited'
				? `The business portfolio has no messaging limit; ${reachedLast24h} contacts were reached outside the customer service window in the last 24 hours.`
				: `${reachedLast24h} of the business portfolio's ${limit} contacts in 24 hours are reached: ${remaining} new contacts can get a template outside the customer service window now.`;
	const qualitySentence =
		low.length === 0
			? 'No number or template is rated low.'
			: `Rated low, so Send Template holds marketing: ${low.join(', ')}.`;
	return {
		messagingLimit: {
			limit,
			reachedLast24h,
			remaining,
			source: limitEntry?.source ?? null,
			updatedAt: iso(limitEntry?.at) ?? null,
		},
		qualityLow: low.length > 0,
		numbers,
		templates,
		message: `${limitSentence} ${qualitySentence}`,
	};
}

/** Every stored template, and templates only a quality webhook named. */
function templatesOf(standing: AccountStanding) {
	const quality = new Map<string, StandingEntry>(
		standing.entries
			.filter((e) => e.name === 'quality_rating' && e.subject.startsWith('template:'))
			.map((e) => [e.subject, e]),
	);
	const known = standing.templates.map((t) => {
		const said = quality.get(templateSubject(t));
		quality.delete(templateSubject(t));
		return {
			account: t.account,
			name: t.name,
			language: t.language,
			status: t.status as string | null,
			category: t.category ?? null,
			qualityRating: t.quality ?? null,
			qualityLow: isLowTemplateQuality(t.quality),
			updatedAt: iso(Math.max(t.updatedAt, said?.at ?? 0)),
		};
	});
	const named = [...quality.values()].flatMap((e) => {
		const key = templateOfSubject(e.subject);
		if (!key) return [];
		return [
			{
				...key,
				status: null,
				category: null,
				qualityRating: e.value,
				qualityLow: isLowTemplateQuality(e.value),
				updatedAt: iso(e.at),
			},
		];
	});
	return [...known, ...named];
}
