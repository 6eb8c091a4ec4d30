/**
 * Sample media the sandbox serves at /_sandbox/samples/<name>, so a flow tried against it can send
 * media by link: Meta downloads media links after accepting a message (see mediaFetch.ts), and a
 * made-up URL such as https://shop.example.com/img.jpg fails there with 131053, as it would with
 * Meta. Both files are real: a 1x1 PNG and a one-page PDF.
 */

export interface Sample {
	readonly type: string;
	readonly data: Buffer;
}

/** A 1x1 PNG (an image message, or an IMAGE template header). */
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
	'base64',
);

/** A one-page PDF saying "WhatsApp sandbox sample document", with a correct cross-reference table. */
function pdf(): Buffer {
	const text = 'BT /F1 18 Tf 40 100 Td (WhatsApp sandbox sample document) Tj ET';
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
		`<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
		'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
	];
	let out = '%PDF-1.4\n';
	const offsets: number[] = [];
	objects.forEach((body, i) => {
		offsets.push(out.length);
		out += `${i + 1} 0 obj\n${body}\nendobj\n`;
	});
	const xref = out.length;
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	out += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

export const SAMPLES = {
	'image.png': { type: 'image/png', data: PNG },
	'document.pdf': { type: 'application/pdf', data: pdf() },
} as const satisfies Record<string, Sample>;

export type SampleName = keyof typeof SAMPLES;

export const SAMPLES_PATH = '/_sandbox/samples/';
