#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the store contract tests and benchmarks.
#   scripts/test-postgres.sh start   -> prints: export WA_TEST_PG_URL=postgres://...
#   scripts/test-postgres.sh stop <data dir>
# Uses the server binaries of Debian's postgresql package (apt-get install postgresql).
# As root, the server runs as the "postgres" user that the package creates.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "PostgreSQL server binaries not found (install Debian's postgresql package)" >&2
	exit 3
fi

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/wa-test-pg.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
	password="wa-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s\n' "$password" >"$dir/pw"
	[ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
	as_owner "$bindir/initdb" -D "$dir/data" -U wa --pwfile="$dir/pw" --auth-host=scram-sha-256 --auth-local=trust >"$dir/initdb.log" 2>&1
	rm -f "$dir/pw"
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
		"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null
	as_owner "$bindir/createdb" -h "$dir" -p "$port" -U wa wa_test
	echo "export WA_TEST_PG_URL=postgres://wa:${password}@127.0.0.1:${port}/wa_test WA_TEST_PG_DIR=$dir"
	;;
stop)
	dir=${2:?data dir}
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start | stop <dir>" >&2
	exit 2
	;;
esac
