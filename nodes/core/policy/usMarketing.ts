import type { TemplateCategory } from '../model';
import { ALLOW, PolicyOptionError, type Decision } from './types';

export interface UsMarketingOptions {
	/**
	 * Whether marketing templates to US numbers are held back. Meta has delivered none since
	 * April 1, 2025 (it still accepts the request); turn this off only if Meta lifts that pause.
	 * @default true
	 */
	readonly enabled?: boolean;
}

export interface UsMarketingInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	/**
	 * ISO 3166 country of the number (from its area code: +1 numbers from Canada or other
	 * North American Numbering Plan countries are not "US"); undefined when unknown.
	 */
	country: string | undefined;
	category: TemplateCategory;
}

/** Fills in the default and checks the value; throws PolicyOptionError naming the field. */
export function resolveUsMarketingOptions(
	options: UsMarketingOptions = {},
): Required<UsMarketingOptions> {
	const enabled = options.enabled ?? true;
	if (typeof enabled !== 'boolean') {
		throw new PolicyOptionError(
			'usMarketing.enabled',
			'usMarketing.enabled must be true or false.',
		);
	}
	return { enabled };
}

/**
 * The us marketing rule: Meta delivers no marketing templates to US numbers (+1 with a US area
 * code), so they are held back before anything is paid for. Utility and authentication pass.
 */
export function checkUsMarketing(
	input: UsMarketingInput,
	options: UsMarketingOptions = {},
): Decision {
	const { enabled } = resolveUsMarketingOptions(options);
	if (!enabled || input.category !== 'marketing' || input.country?.toUpperCase() !== 'US') {
		return ALLOW;
	}
	return {
		allowed: false,
		rule: 'us marketing',
		reason: 'us_marketing',
		message: `${input.contact} is a US number and Meta delivers no marketing templates to US numbers, so this one was not sent: use a utility template if the message is about a purchase or request of theirs, or reach them on another channel.`,
	};
}
