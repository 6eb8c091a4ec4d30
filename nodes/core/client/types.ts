/**
 * Response shapes of the Graph API calls the client makes, snake_case as Meta sends them. Only the
 * fields the pack reads are typed; Meta may add more (kept, not checked).
 */

/** A message to send: Meta's payload for POST /<PHONE_NUMBER_ID>/messages. */
export interface OutboundMessage {
	readonly messaging_product?: 'whatsapp';
	/** The contact's phone number (E.164, "+" recommended). */
	readonly to?: string;
	/** The contact's business-scoped user ID, when the phone number is unknown. */
	readonly recipient?: string;
	readonly type?: string;
	readonly [field: string]: unknown;
}

export interface SendMessageResponse {
	readonly messaging_product: 'whatsapp';
	readonly contacts?: ReadonlyArray<{
		readonly input: string;
		readonly wa_id?: string;
		readonly user_id?: string;
	}>;
	readonly messages: ReadonlyArray<{
		/** The wamid. */
		readonly id: string;
		/** Templates: accepted, held_for_quality_assessment... */
		readonly message_status?: string;
	}>;
}

export interface SuccessResponse {
	readonly success: boolean;
}

export interface GraphPaging {
	readonly cursors?: { readonly before?: string; readonly after?: string };
	/** Present while there is a next page. */
	readonly next?: string;
	readonly previous?: string;
}

export interface GraphPage<T> {
	readonly data: T[];
	readonly paging?: GraphPaging;
}

export interface MessageTemplate {
	readonly id: string;
	readonly name: string;
	readonly language: string;
	readonly status: string;
	readonly category: string;
	readonly parameter_format?: string;
	readonly components?: unknown[];
	readonly [field: string]: unknown;
}

export interface PhoneNumberInfo {
	readonly id: string;
	readonly display_phone_number?: string;
	readonly verified_name?: string;
	readonly quality_rating?: string;
	readonly status?: string;
	readonly throughput?: { readonly level?: string };
	readonly [field: string]: unknown;
}

export interface MediaInfo {
	readonly messaging_product?: 'whatsapp';
	readonly id: string;
	/** Download URL; valid for 5 minutes and needs the access token. */
	readonly url: string;
	readonly mime_type?: string;
	readonly sha256?: string;
	readonly file_size?: number | string;
}

export interface UploadedMedia {
	readonly id: string;
}

export interface DownloadedMedia {
	readonly data: Buffer;
	readonly mimeType: string | undefined;
	readonly size: number;
}

export interface SubscribedApp {
	readonly whatsapp_business_api_data?: {
		readonly id?: string;
		readonly link?: string;
		readonly name?: string;
	};
	readonly [field: string]: unknown;
}
