/**
 * The business's phone numbers, as the seed gives them. Their quality ratings are the portfolio's
 * (portfolio.ts), their throughput is enforced by limits.ts.
 */
import { ControlError } from '../controlError';
import type { SeedPhoneNumber } from '../seedLoader';
import { digitsOf } from './format';

export class PhoneNumbers {
	readonly #phones: Map<string, SeedPhoneNumber>;

	constructor(phones: readonly SeedPhoneNumber[]) {
		this.#phones = new Map(phones.map((p) => [p.id, p]));
	}

	list(): SeedPhoneNumber[] {
		return [...this.#phones.values()];
	}

	get(id: string): SeedPhoneNumber | undefined {
		return this.#phones.get(id);
	}

	has(id: string): boolean {
		return this.#phones.has(id);
	}

	/** The number with this id, or the first one. @throws ControlError 404 */
	require(id: string | undefined): SeedPhoneNumber {
		const phone = id === undefined ? this.list()[0] : this.#phones.get(id);
		if (!phone) {
			throw new ControlError(
				404,
				`No business phone number ${id}. Numbers: ${this.list()
					.map((p) => p.id)
					.join(', ')}.`,
			);
		}
		return phone;
	}

	/** Whether these digits are one of the business's own numbers. */
	isOwn(digits: string): boolean {
		return this.list().some((p) => digitsOf(p.display_phone_number) === digits);
	}
}
