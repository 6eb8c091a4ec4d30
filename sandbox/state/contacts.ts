/**
 * The sandbox's WhatsApp users: who a send reaches, their country, and their marketing
 * preference (stopped in WhatsApp: marketing templates fail with 131050).
 */
import type { Clock } from '../../nodes/core/clock';
import type { Recipient } from '../checks/recipient';
import { ControlError } from '../controlError';
import type { SeedContact } from '../seedLoader';
import type { AccountWebhooks } from './accountWebhooks';
import { metadataOf } from './format';
import type { PhoneNumbers } from './numbers';

export interface Contact {
	readonly wa_id: string;
	name: string;
	country: string;
	/** "stopped": turned off marketing messages in WhatsApp (sends fail with 131050). */
	marketing: 'active' | 'stopped';
	/** Marketing templates per rolling 24 h before 131049 (Meta's per-user limit); none = no limit. */
	marketing_limit_per_day?: number;
}

export class Contacts {
	readonly #contacts: Map<string, Contact>;

	constructor(
		seed: readonly SeedContact[],
		private readonly numbers: PhoneNumbers,
		private readonly webhooks: AccountWebhooks,
		private readonly clock: Clock,
	) {
		this.#contacts = new Map(seed.map((c) => [c.wa_id, { ...c }]));
	}

	list(): Contact[] {
		return [...this.#contacts.values()].map((c) => ({ ...c }));
	}

	get(waId: string): Contact | undefined {
		const contact = this.#contacts.get(waId);
		return contact ? { ...contact } : undefined;
	}

	/** The contact itself, to change. @throws ControlError 404 */
	require(waId: string): Contact {
		const contact = this.#contacts.get(String(waId).replace(/^\+/, ''));
		if (!contact) {
			throw new ControlError(
				404,
				`${waId} is not a sandbox contact. Add it with \`whatsapp-sandbox add-contact ${waId}\` (or POST /_sandbox/contacts).`,
			);
		}
		return contact;
	}

	/** Who a send to `recipient` from a number with this country code reaches, if anyone. */
	forRecipient(recipient: Recipient, countryCode: string): Contact | undefined {
		// Meta prepends the sender's country code to numbers sent without "+"; a full international
		// number without "+" (what webhooks call wa_id) still reaches that user in practice.
		return (
			this.#contacts.get(recipient.digits) ??
			(recipient.international ? undefined : this.#contacts.get(countryCode + recipient.digits))
		);
	}

	add(input: {
		wa_id: string;
		name?: string;
		country?: string;
		marketing_limit_per_day?: number;
	}): Contact {
		const waId = String(input.wa_id ?? '').replace(/^\+/, '');
		if (!/^\d{8,15}$/.test(waId)) {
			throw new ControlError(
				400,
				`wa_id must be 8 to 15 digits (the number without "+"); got "${input.wa_id}".`,
			);
		}
		const country = input.country ?? 'DE';
		if (!/^[A-Z]{2}$/.test(country)) {
			throw new ControlError(
				400,
				`country must be two capital letters, e.g. "DE"; got "${country}".`,
			);
		}
		const limit = input.marketing_limit_per_day;
		if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
			throw new ControlError(
				400,
				`marketing_limit_per_day must be a whole number of 0 or more; got ${String(limit)}.`,
			);
		}
		const existing = this.#contacts.get(waId);
		const contact: Contact = {
			wa_id: waId,
			name: input.name ?? existing?.name ?? `Contact ${waId.slice(-4)}`,
			country,
			marketing: existing?.marketing ?? 'active',
			...(limit !== undefined ? { marketing_limit_per_day: limit } : {}),
		};
		this.#contacts.set(waId, contact);
		return { ...contact };
	}

	/** The contact stops or resumes marketing messages in WhatsApp: state + user_preferences webhook. */
	setMarketingPreference(
		waId: string,
		value: 'stop' | 'resume',
		options: { phoneNumberId?: string } = {},
	): Contact {
		if (value !== 'stop' && value !== 'resume') {
			throw new ControlError(400, `value must be "stop" or "resume"; got "${String(value)}".`);
		}
		const contact = this.require(waId);
		const phone = this.numbers.require(options.phoneNumberId);
		contact.marketing = value === 'stop' ? 'stopped' : 'active';
		const now = this.clock.now();
		this.webhooks.post(
			'user_preferences',
			{
				messaging_product: 'whatsapp',
				metadata: metadataOf(phone),
				contacts: [{ profile: { name: contact.name }, wa_id: contact.wa_id }],
				user_preferences: [
					{
						wa_id: contact.wa_id,
						detail: `User requested to ${value} marketing messages`,
						category: 'marketing_messages',
						value,
						timestamp: Math.floor(now / 1000),
					},
				],
			},
			`user_preferences ${value} from ${contact.wa_id}`,
		);
		return { ...contact };
	}
}
