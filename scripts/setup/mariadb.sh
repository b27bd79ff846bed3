# Sourced by setup.sh: MariaDB from Debian's mariadb-server, as PostgreSQL is installed. The package
# starts no instance of ours; scripts/stack/mariadb.sh runs a private mariadbd under .stack/.
mariadb_bindir() { # where mariadbd and mariadb-install-db are
  local d
  for d in "${SWITCHYARD_MYSQL_BINDIR:-}" /usr/sbin; do
    [ -n "$d" ] && [ -x "$d/mariadbd" ] && type -P mariadb-install-db >/dev/null && { echo "$d"; return 0; }
  done
  return 1
}

install_mariadb() {
  if [ "$SWITCHYARD_MANAGE_MYSQL" = 0 ]; then sy_say "MySQL: using SWITCHYARD_CONN_MYSQL, nothing to install"; return; fi
  if mariadb_bindir >/dev/null; then return; fi
  as_root true || sy_die "installing mariadb-server needs root or passwordless sudo; install it yourself (and set SWITCHYARD_MYSQL_BINDIR to the folder of mariadbd) or set SWITCHYARD_CONN_MYSQL to a mysql:// URL"
  sy_say "MariaDB not found: installing Debian's mariadb-server"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server; } \
    >"$LOGS/apt-mariadb.log" 2>&1 \
    || sy_die "cannot install MariaDB (apt-get failed, see $LOGS/apt-mariadb.log): install mariadb-server yourself or set SWITCHYARD_CONN_MYSQL to a mysql:// URL"
  # Where systemd is absent the package starts nothing; where it is, its instance is not ours.
  as_root service mariadb stop >/dev/null 2>&1 || true
  mariadb_bindir >/dev/null || sy_die "mariadb-server installed but no mariadbd in /usr/sbin: set SWITCHYARD_MYSQL_BINDIR to its folder, or SWITCHYARD_CONN_MYSQL to a mysql:// URL"
}
