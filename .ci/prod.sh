#!/usr/bin/env bash
# `make prod`: the production stack on this machine, for trying and testing — PostgreSQL and
# Redis (installed and started by .ci/services.sh, 127.0.0.1 only), granian on PORT, a Celery
# worker and beat, production settings, demo content. Ctrl-C stops all of it.
#
# Environment: PORT, PROD_PG_PORT, PROD_REDIS_PORT, PROD_SERVICES_DIR, PROD_RUN_DIR (where it
# keeps its files); DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD (Django's own
# names) create that superuser unless it exists; X_*, EMAIL_* and the rest pass through to
# the site; SECOND_PORT starts a second granian there, as a second machine's web server
# would be (the smoke test checks that a publish on one is seen on the other). The worker
# is started again if it stops (see supervise_worker).
set -euo pipefail
cd "$(dirname "$0")/.."

export PG_PORT=${PROD_PG_PORT:-54330} REDIS_PORT=${PROD_REDIS_PORT:-63791}
export CI_SERVICES_DIR=${PROD_SERVICES_DIR:-/tmp/statuspage-prod-services}
if [ "${1:-}" != serve ]; then
	exec .ci/services.sh run "$0" serve
fi

PORT=${PORT:-8000}
RUN=${PROD_RUN_DIR:-/tmp/statuspage-prod}
mkdir -p "$RUN"
BIN=$PWD/.venv/bin
[ -f "$RUN/secret" ] || "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" >"$RUN/secret"
export DJANGO_DEBUG=false DJANGO_SECRET_KEY=$(cat "$RUN/secret")
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_HTTPS=false
export DATABASE_URL=postgres://statuspage:statuspage@127.0.0.1:$PG_PORT/statuspage
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1 CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0
export STATIC_ROOT=$RUN/static SITE_URL=http://127.0.0.1:$PORT STATIC_MIRROR_DIR=$RUN/mirror

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py load_demo
if [ -n "${DJANGO_SUPERUSER_USERNAME:-}" ]; then
	export DJANGO_SUPERUSER_EMAIL=${DJANGO_SUPERUSER_EMAIL:-}
	out=$("$BIN/python" manage.py createsuperuser --noinput 2>&1) ||
		grep -q "already taken" <<<"$out" || { printf '%s\n' "$out" >&2; exit 1; }
fi
"$BIN/python" manage.py collectstatic --noinput -v0

# The worker, started again whenever it stops, as systemd's Restart=always would; while
# $RUN/worker.paused exists it is not started (the smoke test's fault stage uses that).
supervise_worker() {
	local child=""
	trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 0' TERM INT
	while :; do
		while [ -e "$RUN/worker.paused" ]; do sleep 0.2; done
		"$BIN/python" "$BIN/celery" -A statuspage worker --loglevel=INFO --concurrency 2 &
		child=$!
		wait "$child" || true
	done
}

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
rm -f "$RUN/worker.paused"
supervise_worker &
pids+=($!)
"$BIN/python" "$BIN/celery" -A statuspage beat --loglevel=INFO --schedule "$RUN/beat-schedule" &
pids+=($!)
echo "Serving the production stack on http://127.0.0.1:$PORT/ (static mirror in $RUN/mirror)"
serve() {
	"$BIN/python" "$BIN/granian" --interface wsgi statuspage.wsgi:application --host 127.0.0.1 \
		--port "$1" --workers "$2" --blocking-threads 4 --backpressure 16 &
	pids+=($!)
}
serve "$PORT" 2
if [ -n "${SECOND_PORT:-}" ]; then
	serve "$SECOND_PORT" 1
fi
wait "${pids[@]}"
