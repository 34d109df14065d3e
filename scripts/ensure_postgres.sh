#!/usr/bin/env bash
# Make a PostgreSQL server available for the warehouse test (tests/measures/test_postgres.py),
# which starts and stops its own throwaway server in a temporary folder.
# Uses Debian's packages; never downloads a server of its own.
set -u
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's postgresql for the warehouse test..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "warning: could not install postgresql; the Postgres test will be skipped with a reason" >&2
else
  echo "note: PostgreSQL server programs (initdb, pg_ctl) not found and cannot install them" \
       "(need root and apt-get); the Postgres test will be skipped." \
       "Install with: sudo apt-get install postgresql" >&2
fi
exit 0
