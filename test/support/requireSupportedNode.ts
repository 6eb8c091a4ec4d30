// The pack targets n8n 2.x on Node 24 (node:sqlite among others). npm scripts put the project's
// own Node 24 (the `node` devDependency) first on PATH; fail loudly if something bypassed it.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
	throw new Error(
		`Tests need Node 24 or newer, this is ${process.version}. Run them through npm (npm test), ` +
			'which uses the Node 24 installed in node_modules/.bin.',
	);
}
