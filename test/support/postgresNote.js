/**
 * A jest reporter that ends the run with a visible note when the PostgreSQL store contract was
 * skipped (no WA_TEST_PG_URL): jest itself shows only "1 skipped", far up in the output.
 */
class PostgresNote {
	onRunComplete(_contexts, results) {
		if (process.env.WA_TEST_PG_URL) return;
		const skipped = results.testResults.some(
			(file) => /postgres\.test\.ts$/.test(file.testFilePath) && file.numPendingTests > 0,
		);
		if (!skipped) return;
		process.stderr.write(
			'\nNote: the PostgreSQL store tests were skipped because WA_TEST_PG_URL is not set.\n' +
				'      Run them with a throwaway server: eval "$(scripts/test-postgres.sh start)" && npm test\n' +
				'      (needs Debian\'s postgresql package; scripts/test-postgres.sh stop "$WA_TEST_PG_DIR" ends it)\n\n',
		);
	}
}

module.exports = PostgresNote;
