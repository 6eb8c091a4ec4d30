import { NodeConnectionTypes, type INodeProperties } from 'n8n-workflow';

import { storeNotice } from '../../shared/descriptions';
import * as account from './account';
import * as bulk from './bulk';
import * as consent from './consent';
import * as contact from './contact';
import * as report from './report';
import * as send from './send';

const main = NodeConnectionTypes.Main;

/**
 * Check has two outputs (Allowed, Not Allowed); the other operations one. n8n evaluates the
 * expression against the node's parameters, as it does for the Switch node.
 */
export const outputs: `={{${string}}}` = `={{ $parameter.operation === "check" ? [{ "type": "${main}", "displayName": "Allowed" }, { "type": "${main}", "displayName": "Not Allowed" }] : ["${main}"] }}`;

export const properties: INodeProperties[] = [
	storeNotice,
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Account',
				value: 'account',
				description: "The business portfolio's messaging limit and quality ratings",
			},
			{
				name: 'Bulk',
				value: 'bulk',
				description: 'Import consents from many items, export all consents',
			},
			{
				name: 'Consent',
				value: 'consent',
				description: 'Opt-ins, opt-outs and checks of one contact per item',
			},
			{
				name: 'Contact',
				value: 'contact',
				description: 'Proof trail and erasure of one contact per item',
			},
			{
				name: 'Report',
				value: 'report',
				description: 'What the delivered messages cost',
			},
			{
				name: 'Sent Message',
				value: 'send',
				description:
					'Messages the send nodes sent, and those whose outcome a crash or a lost answer left unknown',
			},
		],
		default: 'consent',
	},
	...consent.description,
	...contact.description,
	...bulk.description,
	...account.description,
	...report.description,
	...send.description,
];
