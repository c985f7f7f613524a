#!/usr/bin/env bash
# Back up a PostgreSQL database with `pg_dump -Fc`, restore it into a new database with
# `pg_restore`, and compare the exact row count of every table. Exits non-zero on any mismatch.
#
#   bench/backup_restore_check.sh [DBNAME]      (PGHOST, PGPORT, PGUSER from the environment)
#
# `make drills` runs it against the drill's own PostgreSQL; see docs/operations.md.
set -euo pipefail

db="${1:-psp}"
restored="${db}_restore_check"
dump="$(mktemp -t psp-backup-XXXXXX.dump)"
trap 'rm -f "$dump"; dropdb --if-exists "$restored" >/dev/null 2>&1 || true' EXIT

counts() {
  # One "table count" line per table in the public schema, counted exactly.
  local database="$1"
  psql -X -At -d "$database" -c "select tablename from pg_tables where schemaname = 'public' order by 1" |
    while read -r table; do
      printf '%s %s\n' "$table" "$(psql -X -At -d "$database" -c "select count(*) from public.\"$table\"")"
    done
}

pg_dump -Fc --no-owner -f "$dump" "$db"
dropdb --if-exists "$restored"
createdb "$restored"
pg_restore --no-owner --exit-on-error -d "$restored" "$dump"

before="$(counts "$db")"
after="$(counts "$restored")"
tables="$(wc -l <<<"$before")"
rows="$(awk '{s += $2} END {print s}' <<<"$before")"
if [[ "$before" != "$after" ]]; then
  echo "backup/restore check FAILED: row counts differ" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "backup/restore check OK: $tables tables, $rows rows, dump $(stat -c %s "$dump") bytes"
