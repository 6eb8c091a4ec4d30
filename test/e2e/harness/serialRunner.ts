/**
 * The e2e project's jest runner: jest's own, marked serial. A real n8n takes most of this 2-core
 * machine, so e2e test files run one after another (in the jest process) while the other projects
 * keep their workers.
 */
import TestRunner from 'jest-runner';

export default class SerialRunner extends TestRunner {
	readonly isSerial = true;
}
