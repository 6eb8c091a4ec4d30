import {
	agentAllowedMessage,
	agentHoldMessage,
	agentNotAllowedMessage,
	agentOptOutConfirmationSentMessage,
	checkConsent,
	checkConversationRecipient,
	checkReplyAfterOptOut,
	checkWindow,
	HOLD_REASONS,
	type HoldReason,
} from '../../../nodes/core/policy';
import { CONTACT, T0, WA_ID, consent } from './fixtures';

const REASONS: readonly HoldReason[] = HOLD_REASONS;

describe('what an agent is told', () => {
	it.each(REASONS)('says that nothing was sent and what to do next for %s', (reason) => {
		const message = agentHoldMessage(reason);
		expect(message).toMatch(/^Not sent: [a-zA-Z"]/);
		// A why and a what-to-do: at least two sentences, each ending with a period.
		expect(message.split(/(?<=\.) (?=[A-Z])/).length).toBeGreaterThanOrEqual(2);
		expect(message.endsWith('.')).toBe(true);
	});

	it('names no contact and no number, so a held result gives the model provider nothing of them', () => {
		for (const reason of REASONS) {
			expect(agentHoldMessage(reason)).not.toMatch(/\d{6,}|\+\d/);
			expect(agentNotAllowedMessage(reason)).not.toMatch(/\d{6,}|\+\d/);
		}
	});

	it('tells the model to send a template instead when the window is closed', () => {
		const hold = checkWindow({ contact: CONTACT, window: undefined }, T0);
		expect(hold.allowed).toBe(false);
		expect(agentHoldMessage('window_closed')).toMatch(/send an approved template instead/);
	});

	it('after STOP offers the one confirmation only when the tool can send it', () => {
		const hold = checkReplyAfterOptOut({
			contact: CONTACT,
			consents: [consent('*', 'opted_out', T0, 'keyword')],
			lastInboundAt: T0,
		});
		expect(hold).toMatchObject({ allowed: false, reason: 'opted_out' });
		expect(agentHoldMessage('opted_out', { optOutConfirmationArgument: 'confirm' })).toMatch(
			/call this tool once more with confirm set to true, and the business's confirmation text is sent \(not your text\)\.$/,
		);
		expect(agentHoldMessage('opted_out')).toBe(
			'Not sent: the contact opted out of all messages (STOP). Send them nothing else unless they write to you again.',
		);
		expect(agentOptOutConfirmationSentMessage()).toMatch(/^Sent the confirmation/);
	});

	it('answers a consent question with allowed or not allowed and what that means', () => {
		const hold = checkConsent({ contact: CONTACT, category: 'marketing', consents: [] });
		expect(hold).toMatchObject({ allowed: false, reason: 'no_consent' });
		expect(agentNotAllowedMessage('no_consent')).toMatch(
			/^Not allowed: the contact has not opted in/,
		);
		expect(agentAllowedMessage('marketing', 'back_in_stock')).toMatch(
			/^Allowed: the contact's consent allows marketing templates on "back_in_stock";/,
		);
	});
});

describe('recipient guard', () => {
	const conversation = [WA_ID, `+${WA_ID}`];

	it('lets a tool send to the contact of the conversation', () => {
		expect(
			checkConversationRecipient({
				recipient: CONTACT,
				recipientKeys: [WA_ID],
				conversationKeys: conversation,
				allowAnyRecipient: false,
			}),
		).toEqual({ allowed: true });
	});

	it('holds a send to anyone else, saying how to allow it', () => {
		const decision = checkConversationRecipient({
			recipient: '+49 151 99999999',
			recipientKeys: ['4915199999999'],
			conversationKeys: conversation,
			allowAnyRecipient: false,
		});
		expect(decision).toEqual({
			allowed: false,
			rule: 'recipient guard',
			reason: 'recipient_not_in_conversation',
			message: expect.stringMatching(
				/^The model asked to send to \+49 151 99999999, who is not the contact of this conversation, so nothing was sent: .*Allow Any Recipient/,
			),
		});
	});

	it('holds every send when the incoming item names no contact, rather than guess', () => {
		const decision = checkConversationRecipient({
			recipient: CONTACT,
			recipientKeys: [WA_ID],
			conversationKeys: [],
			allowAnyRecipient: false,
		});
		expect(decision).toMatchObject({
			allowed: false,
			reason: 'recipient_not_in_conversation',
			message: expect.stringMatching(/names no contact.*"contact" field/),
		});
	});

	it('lets the model choose when the builder allows any recipient', () => {
		expect(
			checkConversationRecipient({
				recipient: '+49 151 99999999',
				recipientKeys: ['4915199999999'],
				conversationKeys: [],
				allowAnyRecipient: true,
			}),
		).toEqual({ allowed: true });
	});
});
