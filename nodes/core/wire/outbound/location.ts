/** Location messages, and the location object a template header can carry too. */
import { WireError } from '../wireError';
import { optionalText } from './checks';
import { buildEnvelope, type OutboundEnvelope, type SendOptions } from './envelope';

export interface LocationObject {
	latitude: number;
	longitude: number;
	name?: string;
	address?: string;
}
export type LocationMessagePayload = OutboundEnvelope & {
	type: 'location';
	location: LocationObject;
};

export interface LocationInput {
	/** Decimal degrees, -90 to 90. Numeric strings are accepted. */
	readonly latitude: number | string;
	/** Decimal degrees, -180 to 180. Numeric strings are accepted. */
	readonly longitude: number | string;
	readonly name?: string;
	readonly address?: string;
}
export interface LocationMessageInput extends SendOptions, LocationInput {}

function coordinate(field: string, what: string, value: unknown, limit: number): number {
	const number =
		typeof value === 'number'
			? value
			: typeof value === 'string' && value.trim() !== ''
				? Number(value)
				: Number.NaN;
	if (!Number.isFinite(number) || Math.abs(number) > limit) {
		throw new WireError(
			field,
			`${what} ${JSON.stringify(value) ?? 'undefined'} is not valid; it must be a number from -${limit} to ${limit} (decimal degrees).`,
		);
	}
	return number;
}

export function location(field: string, input: LocationInput): LocationObject {
	const result: LocationObject = {
		latitude: coordinate(`${field}.latitude`, 'Latitude', input.latitude, 90),
		longitude: coordinate(`${field}.longitude`, 'Longitude', input.longitude, 180),
	};
	const name = optionalText(`${field}.name`, 'Location name', input.name);
	const address = optionalText(`${field}.address`, 'Location address', input.address);
	if (name !== undefined) result.name = name;
	if (address !== undefined) result.address = address;
	return result;
}

export function buildLocationMessage(input: LocationMessageInput): LocationMessagePayload {
	return { ...buildEnvelope(input), type: 'location', location: location('location', input) };
}
