#!/usr/bin/env bash
# Reproduces kehu/core/tests/fixtures/upgrade/v0.2/: a database made by the previous release's schema (commit
# f6b1d83, tag v0.2) with the demo company in it, as a gzipped SQLite file and a gzipped plain pg_dump, each with
# the figures the upgraded database must show (read with plain SQL from the old schema).
#
#     bench/upgrade/make_fixture.sh [REV]          (default f6b1d83; needs git, PostgreSQL 15 server binaries)
#
# The old release runs from `git archive` in a temporary folder (no checkout, no worktree). PostgreSQL is a
# throw-away cluster of its own on 127.0.0.1:${KEHU_FIXTURE_PGPORT:-55441}, removed at the end.
set -euo pipefail
REV=${1:-f6b1d83}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/kehu/core/tests/fixtures/upgrade/v0.2
PGBIN=${KEHU_PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${KEHU_FIXTURE_PGPORT:-55441}
CUSTOMERS=${KEHU_FIXTURE_CUSTOMERS:-40}
WORK=$(mktemp -d /tmp/kehu-upgrade-fixture-XXXXXX)
PY="$ROOT/.venv/bin/python"
mkdir -p "$OUT" "$WORK/src"
stop_pg() { [ -f "$WORK/pg/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null || true; }
trap 'stop_pg; rm -rf "$WORK"' EXIT

git -C "$ROOT" archive "$REV" | tar -x -C "$WORK/src"
ln -s "$ROOT/.venv" "$WORK/src/.venv"
cd "$WORK/src"
export DJANGO_SETTINGS_MODULE=config.settings KEHU_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend

echo "== SQLite: migrate $REV and load the demo company ($CUSTOMERS customers)"
export KEHU_VAR_DIR="$WORK/var-sqlite"
SQLITE_DB="$WORK/kehu-v0.2.sqlite3"
DATABASE_URL="sqlite:///$SQLITE_DB" "$PY" manage.py migrate --noinput -v0
DATABASE_URL="sqlite:///$SQLITE_DB" "$PY" manage.py kehu_demo --customers "$CUSTOMERS" >/dev/null
DATABASE_URL="sqlite:///$SQLITE_DB" "$PY" manage.py shell < "$ROOT/bench/upgrade/activity.py"
# one self-contained file: fold the WAL back in and drop free pages
"$PY" - "$SQLITE_DB" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.execute("PRAGMA journal_mode=DELETE"); c.execute("VACUUM"); c.close()
PYEOF
"$PY" "$ROOT/bench/upgrade/expected.py" "sqlite:///$SQLITE_DB" > "$OUT/expected-sqlite.json"
gzip -9 -n -c "$SQLITE_DB" > "$OUT/kehu-v0.2.sqlite3.gz"

echo "== PostgreSQL (own cluster on port $PGPORT): migrate $REV and load the demo company"
mkdir -p "$WORK/pg" && chown postgres "$WORK" "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres -A trust --no-instructions >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK -c fsync=off" start >/dev/null
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/kehu_v02"
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres kehu_v02
export KEHU_VAR_DIR="$WORK/var-pg"
DATABASE_URL="$PG_URL" "$PY" manage.py migrate --noinput -v0
DATABASE_URL="$PG_URL" "$PY" manage.py kehu_demo --customers "$CUSTOMERS" >/dev/null
DATABASE_URL="$PG_URL" "$PY" manage.py shell < "$ROOT/bench/upgrade/activity.py"
"$PY" "$ROOT/bench/upgrade/expected.py" "$PG_URL" > "$OUT/expected-postgresql.json"
pg_dump -h 127.0.0.1 -p "$PGPORT" -U postgres --no-owner --no-privileges kehu_v02 | gzip -9 -n > "$OUT/kehu-v0.2.pg.sql.gz"

echo "{\"revision\": \"$(git -C "$ROOT" rev-parse "$REV")\", \"customers\": $CUSTOMERS, \"made\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}" > "$OUT/source.json"
ls -l "$OUT"
