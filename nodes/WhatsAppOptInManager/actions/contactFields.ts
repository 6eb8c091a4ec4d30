import type { IDataObject } from 'n8n-workflow';

export interface Contact {
	/** The store key: E.164 digits (Meta's wa_id) or a business-scoped user ID. */
	contact: string;
	/** E.164 with "+", for phone numbers. */
	phone?: string;
}

/** How a contact is named in sentences: the phone number with "+", or the user ID. */
export function shown(contact: Contact): string {
	return contact.phone ?? contact.contact;
}

/** The contact fields every result starts with. */
export function contactJson(contact: Contact): IDataObject {
	return { contact: contact.contact, ...(contact.phone ? { phone: contact.phone } : {}) };
}
