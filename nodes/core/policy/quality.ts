import type { TemplateCategory } from '../model';
import { ALLOW, PolicyOptionError, type Decision } from './types';

/*
 * The quality rule. Meta rates each business phone number (quality_rating: GREEN, YELLOW, RED, or
 * NA while undetermined; GET /<PHONE_NUMBER_ID>) and each template (quality_score: GREEN, YELLOW,
 * RED, or UNKNOWN while pending; GET /<TEMPLATE_ID>?fields=quality_score and the
 * message_template_quality_update webhook) from blocks, reports and read rates. A RED template
 * "is in danger of being paused or disabled soon" and is paused when it gets there; low quality
 * over time rate-limits the number and feeds policy enforcement. Until October 2025 a number
 * rated low was also "Flagged" (phone_number_quality_update event FLAGGED) and lost a limit level
 * after 7 days. Marketing draws most of that feedback, so it is held while a rating is low;
 * utility and authentication, which answer the contact's own actions, go on.
 * Sources: developers.facebook.com/documentation/business-messaging/whatsapp/templates/
 * template-quality (Oct 29, 2025), .../reference/whatsapp-business-phone-number/
 * whatsapp-business-account-phone-number-api (quality_rating), .../upcoming-messaging-limits-
 * changes (Flagged).
 */

export interface QualityOptions {
	/**
	 * Whether marketing templates are held while the sending number's quality rating or the
	 * template's quality is low.
	 * @default true
	 */
	readonly enabled?: boolean;
}

/** Fills in the default and checks the value; throws PolicyOptionError naming the field. */
export function resolveQualityOptions(options: QualityOptions = {}): Required<QualityOptions> {
	const enabled = options.enabled ?? true;
	if (typeof enabled !== 'boolean') {
		throw new PolicyOptionError('quality.enabled', 'quality.enabled must be true or false.');
	}
	return { enabled };
}

/**
 * Meta's webhook words for a number's rating, in the read's spelling. phone_number_quality_update
 * said FLAGGED when the rating fell to Low and UNFLAGGED when it was Low no more (Medium or High,
 * the webhook does not say which: YELLOW, the lower, until the next read of the number says).
 */
const WEBHOOK_RATINGS: Readonly<Record<string, string>> = Object.freeze({
	FLAGGED: 'RED',
	UNFLAGGED: 'YELLOW',
});

/**
 * The one spelling of a number's quality rating, the read's (GET /<PHONE_NUMBER_ID>
 * quality_rating: GREEN, YELLOW, RED, NA): a webhook's FLAGGED / UNFLAGGED mapped to it
 * (WEBHOOK_RATINGS), any other value in capitals as Meta wrote it.
 */
export function numberQualityRating(rating: string): string {
	const value = rating.trim().toUpperCase();
	return WEBHOOK_RATINGS[value] ?? value;
}

/** A number rated RED (or flagged for low quality, Meta's webhook word for it before October 2025). */
export function isLowNumberQuality(rating: string | undefined): boolean {
	return rating !== undefined && numberQualityRating(rating) === 'RED';
}

/** A template whose quality score is RED (WhatsApp Manager: "Active - Low quality"). */
export function isLowTemplateQuality(score: string | undefined): boolean {
	return score?.trim().toUpperCase() === 'RED';
}

export interface QualityInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	/** The template's category as Meta has it now. */
	category: TemplateCategory;
	template: { name: string; language: string };
	/** The sending number's quality rating as last read from Meta; undefined when unknown. */
	numberQuality?: string;
	/** The template's quality score as last read from Meta (TemplateState.quality). */
	templateQuality?: string;
}

/**
 * The quality rule: a marketing template is held while the sending number is rated low (RED or
 * flagged), with reason quality_low, or while the template's quality is RED, with reason
 * template_quality_low. The number's rating is checked first: a low number holds every marketing
 * template, so another template would not help. No retryAt: Meta does not say when a rating
 * recovers (it weighs the last 7 days).
 */
export function checkQuality(input: QualityInput, options: QualityOptions = {}): Decision {
	const { enabled } = resolveQualityOptions(options);
	if (!enabled || input.category !== 'marketing') return ALLOW;
	const off = 'or turn off Quality Protection to send anyway';
	if (isLowNumberQuality(input.numberQuality)) {
		return {
			allowed: false,
			rule: 'quality',
			reason: 'quality_low',
			message: `The sending WhatsApp number's quality rating is low (${numberQualityRating(input.numberQuality!)}), so this marketing template to ${input.contact} was held back, since more negative feedback can get the account restricted: check the number's quality in WhatsApp Manager and send marketing again once it is back to Medium or High (utility and authentication templates still go out), ${off}.`,
		};
	}
	if (isLowTemplateQuality(input.templateQuality)) {
		const { name, language } = input.template;
		return {
			allowed: false,
			rule: 'quality',
			reason: 'template_quality_low',
			message: `The template "${name}" (${language}) has a low quality rating (RED), so it was not sent to ${input.contact}, since more negative feedback gets it paused and then disabled: improve its content or use another template, ${off}.`,
		};
	}
	return ALLOW;
}
