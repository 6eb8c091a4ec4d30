import { ALLOW, type Decision } from './types';

export interface ErasureInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	/** The contact's keyed hash is on the suppression list (see ErasureStore.eraseContact). */
	suppressed: boolean;
}

/**
 * The erasure rule: a contact erased under GDPR Art. 17 is never messaged again, whatever the
 * message, because the suppression list is the only record left of their objection.
 */
export function checkErasure(input: ErasureInput): Decision {
	if (!input.suppressed) return ALLOW;
	return {
		allowed: false,
		rule: 'erasure',
		reason: 'suppressed',
		message: `${input.contact} asked to have their data erased and is on the suppression list, so no message is sent to this number: remove it from the list this workflow sends to.`,
	};
}
