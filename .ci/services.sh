#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for the second pass of `make test`.
#
#   .ci/services.sh start          install if missing, then start both (idempotent)
#   .ci/services.sh stop           stop both (idempotent)
#   .ci/services.sh status         say what runs
#   .ci/services.sh stop-postgres  stop PostgreSQL alone (the database-down tests and benchmark)
#   .ci/services.sh start-postgres start it again
#   .ci/services.sh stop-redis     stop Redis alone (the fault stage of the smoke test)
#   .ci/services.sh start-redis    start it again, with what its append-only file kept
#   .ci/services.sh clean          stop both and delete their files
#   .ci/services.sh run CMD ARGS   start, run CMD, stop both whatever CMD does; exits with CMD's status
#                                  (one `run` at a time per machine: a second one waits)
#
# Debian's `postgresql` and `redis-server` packages are installed with apt-get when missing.
# Nothing of theirs is used but the binaries: the cluster is our own, made with initdb in
# $CI_SERVICES_DIR and owned by user postgres, listening on 127.0.0.1 only; Redis keeps
# an append-only file there. Both are started by their real paths, so the PIDs recorded are theirs
# (and without the lock's file descriptor, which only `run` itself holds).
#
# Needs root (or sudo) for apt-get and to act as user postgres.
set -euo pipefail

CI_SERVICES_DIR=${CI_SERVICES_DIR:-${TMPDIR:-/tmp}/statuspage-ci-services}
PG_PORT=${PG_PORT:-54329}
PG_DB=${PG_DB:-statuspage}
PG_USER=${PG_USER:-statuspage}
PG_PASSWORD=${PG_PASSWORD:-statuspage}
REDIS_PORT=${REDIS_PORT:-63790}

PG_DIR=$CI_SERVICES_DIR/postgresql # owned by postgres; the server's socket lives here too
PG_DATA=$PG_DIR/data
PG_LOG=$PG_DIR/server.log
REDIS_DIR=$CI_SERVICES_DIR/redis
REDIS_PID=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
REDIS_SERVER=/usr/bin/redis-server
REDIS_CLI=/usr/bin/redis-cli

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi

say() { printf 'services: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

pg_bin() {
	# The newest installed major version's binaries, by their real path.
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$dir" ] && [ -x "$dir/initdb" ] || return 1
	printf '%s\n' "$dir"
}

as_postgres() { "${SUDO[@]}" runuser -u postgres -- "$@"; }

install_packages() {
	local missing=()
	pg_bin >/dev/null || missing+=(postgresql)
	[ -x "$REDIS_SERVER" ] && [ -x "$REDIS_CLI" ] || missing+=(redis-server)
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	# The packages' own services (port 5432 and 6379) are not used; where policy-rc.d
	# allows they start on install, and they are left as the package set them up.
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ "${SUDO[@]}" apt-get update &&
			"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
	pg_bin >/dev/null || die "no initdb under /usr/lib/postgresql/*/bin after installing postgresql"
	[ -x "$REDIS_SERVER" ] || die "no $REDIS_SERVER after installing redis-server"
}

port_in_use() {
	# True if something accepts connections on 127.0.0.1:$1.
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg_running() {
	local bin
	bin=$(pg_bin) || return 1
	as_postgres "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

psql_admin() {
	# As the cluster's superuser, over the cluster's own socket.
	as_postgres "$(pg_bin)/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres \
		-X -q -v ON_ERROR_STOP=1 -tA "$@"
}

start_postgres() {
	local bin
	bin=$(pg_bin)
	"${SUDO[@]}" mkdir -p "$CI_SERVICES_DIR"
	"${SUDO[@]}" chmod 755 "$CI_SERVICES_DIR" # user postgres must reach its folder inside
	"${SUDO[@]}" mkdir -p "$PG_DIR"
	"${SUDO[@]}" chown postgres: "$PG_DIR"
	"${SUDO[@]}" chmod 700 "$PG_DIR"

	local version out
	version=$(as_postgres cat "$PG_DATA/PG_VERSION" 2>/dev/null) || version=""
	if [ "$version" != "$(basename "$(dirname "$bin")")" ]; then
		# None yet, or one left by another major version: make a fresh one.
		pg_running && as_postgres "$bin/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
		"${SUDO[@]}" rm -rf "$PG_DATA"
		say "initdb $PG_DATA"
		# C.UTF-8 is the one UTF-8 locale every Debian has, without the locales package.
		out=$(as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
			--auth-local=trust --auth-host=scram-sha-256 2>&1) || {
			printf '%s\n' "$out" >&2
			die "initdb failed"
		}
		# Settings for a disposable test server: TCP on loopback only, our own socket folder,
		# and no waiting for the disk (a crash loses nothing anyone needs).
		as_postgres tee -a "$PG_DATA/postgresql.conf" >/dev/null <<-EOF

			# Added by .ci/services.sh for the test run.
			listen_addresses = '127.0.0.1'
			port = $PG_PORT
			unix_socket_directories = '$PG_DIR'
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			max_connections = 50
		EOF
	fi

	if pg_running; then
		say "postgresql already running on 127.0.0.1:$PG_PORT ($PG_DATA)"
	else
		port_in_use "$PG_PORT" && die "127.0.0.1:$PG_PORT is taken by something else; set PG_PORT"
		say "starting postgresql on 127.0.0.1:$PG_PORT"
		# Command-line options win over postgresql.conf, so PG_PORT may change between runs.
		as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
			-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR" start >/dev/null 9<&- ||
			{
				as_postgres tail -n 30 "$PG_LOG" >&2 || true
				die "postgresql did not start"
			}
	fi

	# The tests' role and database; Django makes its own test database, hence CREATEDB.
	if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
		psql_admin -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
	else
		psql_admin -c "ALTER ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
	fi
	if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
		psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
	fi
}

redis_pid() {
	# The PID in our pidfile, if that process is still a redis-server.
	local pid
	[ -f "$REDIS_PID" ] || return 1
	pid=$(cat "$REDIS_PID" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "redis-server" || return 1
	printf '%s\n' "$pid"
}

start_redis() {
	"${SUDO[@]}" mkdir -p "$REDIS_DIR"
	if redis_pid >/dev/null; then
		say "redis already running on 127.0.0.1:$REDIS_PORT (pid $(redis_pid))"
		return 0
	fi
	port_in_use "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is taken by something else; set REDIS_PORT"
	say "starting redis on 127.0.0.1:$REDIS_PORT"
	"${SUDO[@]}" rm -f "$REDIS_PID"
	# A memory limit, and past it only keys that expire are evicted, shortest time left first:
	# cached pages go, never the content version, the task queue or the last good copies.
	# An append-only file, written every second: queued tasks and last good copies outlive a
	# restart of Redis.
	"${SUDO[@]}" "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
		--maxmemory "${REDIS_MAXMEMORY:-256mb}" --maxmemory-policy volatile-ttl \
		--save '' --appendonly yes --appendfsync everysec \
		--dir "$REDIS_DIR" --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" 9<&-
	local i
	for i in $(seq 1 100); do
		if [ "$("$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && redis_pid >/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	tail -n 30 "$REDIS_LOG" >&2 || true
	die "redis did not start"
}

stop_postgres() {
	if pg_running; then
		say "stopping postgresql"
		as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
	fi
}

stop_redis() {
	local pid i
	pid=$(redis_pid) || return 0
	say "stopping redis (pid $pid)"
	"${SUDO[@]}" kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ]; then
		"${SUDO[@]}" kill -KILL "$pid" 2>/dev/null || true
	fi
	"${SUDO[@]}" rm -f "$REDIS_PID"
}

start() {
	install_packages
	start_postgres
	start_redis
}

stop() {
	# Try both, whatever happens to the first.
	local status=0
	stop_postgres || status=$?
	stop_redis || status=$?
	return $status
}

status() {
	if pg_running; then say "postgresql: running on 127.0.0.1:$PG_PORT"; else say "postgresql: stopped"; fi
	if redis_pid >/dev/null; then say "redis: running on 127.0.0.1:$REDIS_PORT"; else say "redis: stopped"; fi
}

case ${1:-} in
start) start ;;
stop) stop ;;
stop-postgres) stop_postgres ;;
start-postgres) start_postgres ;;
stop-redis) stop_redis ;;
start-redis) start_redis ;;
status) status ;;
clean)
	stop
	"${SUDO[@]}" rm -rf "$CI_SERVICES_DIR"
	;;
run)
	shift
	[ $# -gt 0 ] || die "usage: $0 run CMD [ARGS...]"
	# One run at a time on this machine: another checkout's run would share (and stop) the
	# same servers, and the tests empty Redis between tests.
	lock=$CI_SERVICES_DIR.lock
	[ -e "$lock" ] || : >"$lock"
	exec 9<"$lock"
	flock -n 9 || {
		say "waiting for another run to finish with the test servers"
		flock 9
	}
	trap 'stop || true' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	start
	set +e
	"$@"
	code=$?
	set -e
	exit $code
	;;
*)
	die "usage: $0 start|stop|status|stop-postgres|start-postgres|stop-redis|start-redis|clean|run CMD [ARGS...]"
	;;
esac
