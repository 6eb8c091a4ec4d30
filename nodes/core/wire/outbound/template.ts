/**
 * Template messages: what Meta receives, what the builders take, Meta's limits on templates, and
 * the checks of a template's name and text variables that both ways of building one share (from
 * values: templateMessage.ts; from components JSON: templateComponents.ts).
 */
import { charCount, WireError } from '../wireError';
import { capitalise, requiredText, tooLong } from './checks';
import type { OutboundEnvelope, SendOptions } from './envelope';
import type { LocationInput, LocationObject } from './location';
import type { MediaInput, MediaRef } from './media';

/** Meta's limits on template messages, in characters unless named otherwise. */
export const TEMPLATE_LIMITS = {
	templateName: 512,
	templateHeaderParameter: 60,
	/** A body variable when the template has other components (header, footer, buttons). */
	templateBodyParameter: 1024,
	/** A body variable when the body is the template's only component. */
	templateBodyOnlyParameter: 32768,
	/** Raised from 15 to 20 in Dec 2025. */
	couponCode: 20,
	oneTimePassword: 15,
	templateButtonUrl: 2000,
	templateButtons: 10,
} as const;

export type TemplateTextParameter = { type: 'text'; text: string; parameter_name?: string };
export type TemplateCurrencyParameter = {
	type: 'currency';
	currency: { fallback_value: string; code: string; amount_1000: number };
	parameter_name?: string;
};
export type TemplateDateTimeParameter = {
	type: 'date_time';
	date_time: { fallback_value: string };
	parameter_name?: string;
};
export type TemplateBodyParameter =
	| TemplateTextParameter
	| TemplateCurrencyParameter
	| TemplateDateTimeParameter;
export type TemplateHeaderParameter =
	| TemplateTextParameter
	| { type: 'image'; image: MediaRef }
	| { type: 'video'; video: MediaRef }
	| { type: 'document'; document: MediaRef & { filename?: string } }
	| { type: 'location'; location: LocationObject };
export type TemplateButtonComponent =
	| {
			type: 'button';
			sub_type: 'quick_reply';
			index: string;
			parameters: [{ type: 'payload'; payload: string }];
	  }
	| { type: 'button'; sub_type: 'url'; index: string; parameters: [{ type: 'text'; text: string }] }
	| {
			type: 'button';
			sub_type: 'copy_code';
			index: string;
			parameters: [{ type: 'coupon_code'; coupon_code: string }];
	  }
	| {
			type: 'button';
			sub_type: 'flow';
			index: string;
			parameters: [
				{
					type: 'action';
					action: { flow_token?: string; flow_action_data?: Record<string, unknown> };
				},
			];
	  };
export type TemplateComponentPayload =
	| { type: 'header'; parameters: [TemplateHeaderParameter] }
	| { type: 'body'; parameters: TemplateBodyParameter[] }
	| TemplateButtonComponent;
/** Components JSON in expert mode may hold types this version does not model (carousel...). */
export type OtherTemplateComponent = { type: string; [key: string]: unknown };

export type TemplateMessagePayload = OutboundEnvelope & {
	type: 'template';
	template: {
		name: string;
		language: { code: string };
		components?: (TemplateComponentPayload | OtherTemplateComponent)[];
	};
};

export interface CurrencyValue {
	readonly type: 'currency';
	/** ISO 4217, e.g. "EUR". */
	readonly code: string;
	/** In the currency's unit (12.5 = 12.50 EUR); sent as amount_1000. */
	readonly amount: number | string;
	/** What WhatsApp shows (it does not localise currency on Cloud API). */
	readonly fallback_value: string;
}
export interface DateTimeValue {
	readonly type: 'date_time';
	/** What WhatsApp shows: Cloud API always renders the fallback value. */
	readonly fallback_value: string;
}
export type TemplateBodyValue = string | number | CurrencyValue | DateTimeValue;

export type TemplateHeaderInput =
	| {
			readonly type: 'text';
			readonly text: string | number;
			/** Named templates; filled from the definition when one is given. */
			readonly parameter_name?: string;
	  }
	| ({ readonly type: 'image' | 'video' } & MediaInput)
	| ({ readonly type: 'document'; readonly filename?: string } & MediaInput)
	| ({ readonly type: 'location' } & LocationInput);

export type TemplateButtonInput =
	| {
			readonly sub_type: 'quick_reply';
			/** The button's position among the template's buttons, from 0. */
			readonly index: number;
			/** Comes back in the button webhook when the user taps. */
			readonly payload: string;
	  }
	| {
			readonly sub_type: 'url';
			readonly index: number;
			/** Replaces {{1}} at the end of the button's URL (for OTP buttons: the code). */
			readonly text: string;
	  }
	| { readonly sub_type: 'copy_code'; readonly index: number; readonly coupon_code: string }
	| {
			readonly sub_type: 'flow';
			readonly index: number;
			/** @default "unused" (Meta's default) */
			readonly flow_token?: string;
			readonly flow_action_data?: Readonly<Record<string, unknown>>;
	  };

export interface TemplateMessageInput extends SendOptions {
	readonly name: string;
	/** The template's language code, e.g. "en_US". */
	readonly language: string;
	readonly header?: TemplateHeaderInput;
	/**
	 * Positional templates: values in placeholder order ({{1}}, {{2}}...), or an object keyed "1",
	 * "2"... Named templates: an object keyed by variable name.
	 */
	readonly body?: readonly TemplateBodyValue[] | Readonly<Record<string, TemplateBodyValue>>;
	readonly buttons?: readonly TemplateButtonInput[];
}

export function templateName(value: unknown): string {
	const name = requiredText('name', 'Template name', value, TEMPLATE_LIMITS.templateName);
	if (!/^[a-z0-9_]+$/.test(name)) {
		throw new WireError(
			'name',
			`Template name "${name}" is not valid; WhatsApp template names use only lowercase letters, digits and underscores (e.g. order_update). Pick the template from the list.`,
		);
	}
	return name;
}

/** Meta rejects these in text variables ("Param text cannot have new-line/tab characters..."). */
export function templateText(key: string, what: string, value: unknown, max?: number): string {
	const text = requiredText(key, capitalise(what), value);
	if (/[\n\r\t]/.test(text)) {
		throw new WireError(
			key,
			`${capitalise(what)} contains a line break or tab; WhatsApp does not allow them in template variables. Replace them with spaces, or put the line breaks in the template itself.`,
		);
	}
	if (/ {5,}/.test(text)) {
		throw new WireError(
			key,
			`${capitalise(what)} contains more than 4 spaces in a row; WhatsApp rejects that in template variables. Collapse the spaces.`,
		);
	}
	if (max !== undefined && charCount(text) > max) {
		throw tooLong(key, capitalise(what), charCount(text), max, 'Shorten the value.');
	}
	return text;
}
