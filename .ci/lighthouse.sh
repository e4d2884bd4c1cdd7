#!/usr/bin/env bash
# `make lighthouse`: Lighthouse (npm, pinned in .ci/lighthouse/package-lock.json) in Debian's
# Chromium against the site in production mode, on the status page and the demo FAQ, with
# Lighthouse's mobile default and its desktop preset. Prints a table of the four scores and
# exits non-zero below the thresholds: accessibility, best practices and SEO at least 95 on
# both pages, performance at least 95 on the status page.
#
# The site: gunicorn with production settings (DJANGO_DEBUG off, whitenoise serving the
# collected, hashed and compressed static files) over plain http on 127.0.0.1 (DJANGO_HTTPS=false),
# a throwaway SQLite database with the demo content, all in $LIGHTHOUSE_RUN_DIR, made afresh.
# Node.js and npm (Lighthouse 12 wants Node 18.20 or later) and Chromium are installed with
# apt-get when missing; Lighthouse itself goes into .ci/lighthouse/node_modules (ignored by git).
#
# Environment: LIGHTHOUSE_PORT (8096), LIGHTHOUSE_RUNS (3), LIGHTHOUSE_RUN_DIR (/tmp/statuspage-lighthouse, which
# keeps the JSON and HTML reports afterwards), CHROME_PATH (/usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${LIGHTHOUSE_PORT:-8096}
# Each page and form runs this many times; the table shows the median run, as Lighthouse
# advises: performance varies from run to run, the more so on a busy machine.
RUNS=${LIGHTHOUSE_RUNS:-3}
RUN=${LIGHTHOUSE_RUN_DIR:-/tmp/statuspage-lighthouse}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
LH=.ci/lighthouse
BIN=$PWD/.venv/bin
PAGES=(/ /faq/dotmailer-database-upgrade/ /services/dotmailer-api/)
# Lighthouse's chrome-launcher adds its own flags; these are the ones the browser tests use.
CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking"

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
say() { printf 'lighthouse: %s\n' "$*" >&2; }

apt_install() {
	say "installing $*"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" ||
		{ "${SUDO[@]}" apt-get update &&
			"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ -x "$CHROME_PATH" ] || missing+=(chromium fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a > 18 || (a === 18 && b >= 20) ? 0 : 1)' ||
	{ say "Lighthouse 12 needs Node.js 18.20 or later, not $(node --version)"; exit 1; }

# npm ci again only when the lock file changed since the last install.
if [ ! -x "$LH/node_modules/.bin/lighthouse" ] || [ "$LH/package-lock.json" -nt "$LH/node_modules/.package-lock.json" ]; then
	say "installing Lighthouse into $LH/node_modules"
	npm ci --prefix "$LH" --no-audit --no-fund --loglevel=error
fi

rm -rf "$RUN" && mkdir -p "$RUN"
unset CELERY_BROKER_URL STATIC_MIRROR_DIR REDIS_URL
export DJANGO_DEBUG=false DJANGO_HTTPS=false LOG_LEVEL=ERROR
export DJANGO_SECRET_KEY=lighthouse-only-not-secret-$RANDOM$RANDOM$RANDOM$RANDOM
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL=sqlite:///$RUN/db.sqlite3 STATIC_ROOT=$RUN/static SITE_URL=http://127.0.0.1:$PORT
"$BIN/python" manage.py migrate -v0
"$BIN/python" manage.py load_demo >/dev/null
"$BIN/python" manage.py collectstatic --noinput -v0

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	say "port $PORT is taken; set LIGHTHOUSE_PORT"
	exit 1
fi
"$BIN/python" "$BIN/gunicorn" statuspage.wsgi --bind "127.0.0.1:$PORT" --workers 2 \
	>"$RUN/gunicorn.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
	"$BIN/python" -c "import urllib.request as u; u.urlopen('$SITE_URL/', timeout=2)" 2>/dev/null && break
	kill -0 "$server" 2>/dev/null || { say "gunicorn exited; see $RUN/gunicorn.log"; exit 1; }
	sleep 0.2
done

reports=()
for path in "${PAGES[@]}"; do
	for form in mobile desktop; do
		name=$(printf '%s' "$path" | tr -c 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')
		preset=()
		[ "$form" = desktop ] && preset=(--preset=desktop)
		for run in $(seq "$RUNS"); do
			out=$RUN/${name:-home}-$form-$run
			say "$form $path ($run of $RUNS)"
			# Lighthouse now and then fails to record the trace (NO_NAVSTART): once more.
			for attempt in 1 2; do
				"$LH/node_modules/.bin/lighthouse" "$SITE_URL$path" "${preset[@]}" --quiet \
					--chrome-flags="$CHROME_FLAGS" --output=json --output=html --output-path="$out" \
					--only-categories=performance,accessibility,best-practices,seo && break
				[ "$attempt" = 2 ] && exit 1
				say "trying $form $path again"
			done
			reports+=("$out.report.json")
		done
	done
done

node "$LH/scores.mjs" "${reports[@]}"
