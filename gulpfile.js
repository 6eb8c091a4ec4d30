const fs = require('fs');
const path = require('path');
const { task, src, dest, series } = require('gulp');

/**
 * Empties dist/ before a build: tsc never deletes output, and a stale file would shadow a folder
 * that replaced it (a stale sandbox/state.js is found before sandbox/state/index.js).
 */
function clean(done) {
	fs.rmSync('dist', { recursive: true, force: true });
	done();
}

/** Copies the icons next to the compiled files, where n8n looks for them (paths kept under dist/). */
function copyIcons() {
	return src(['icons/*.{png,svg}', 'nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

/** npm makes bins executable on install; do the same for the sandbox CLI in a local build. */
function markCliExecutable(done) {
	const cli = path.resolve('dist', 'sandbox', 'cli.js');
	if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
	done();
}

/** Copies each node's codex file (<Node>.node.json: categories, aliases, docs link) beside its .node.js. */
function copyCodex() {
	return src(['nodes/**/*.node.json'], { base: '.' }).pipe(dest('dist'));
}

task('clean', clean);
task('build:icons', series(copyIcons, copyCodex, markCliExecutable));
