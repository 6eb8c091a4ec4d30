/** A failure of the control API (bad input, unknown contact): HTTP status + a sentence. */
export class ControlError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
		this.name = 'ControlError';
	}
}
