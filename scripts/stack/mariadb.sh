# Sourced by stack.sh: part "mysql", a private MariaDB (mariadbd --no-defaults) on its own data
# directory under .stack/, configured as a CDC source must be: row-based binlog with full row
# images and full metadata (so events recorded before an ALTER keep their column names), a
# server_id, strict GTIDs, utf8mb4 (without defaults the server falls back to latin1).
MYSQL_HOME="$STACK/mariadb"
MYSQL_DATA="$MYSQL_HOME/data"
MYSQL_SOCKET="$MYSQL_HOME/mysqld.sock"
MYSQL_LOG="$LOGS/mariadbd.log"
MYSQL_BIN="${SWITCHYARD_MYSQL_BINDIR:-/usr/sbin}"
# mariadbd runs as root only when told to; our data directory is ours either way.
mysql_user() { if is_root; then echo root; else id -un; fi; }

mysql_init() {
  [ -d "$MYSQL_DATA/mysql" ] && return
  mkdir -p "$MYSQL_HOME"
  # --skip-test-db: anonymous users of the test database would otherwise shadow named logins.
  mariadb-install-db --no-defaults --datadir="$MYSQL_DATA" --user="$(mysql_user)" --skip-test-db \
    --auth-root-authentication-method=normal >"$LOGS/mariadb-install-db.log" 2>&1 \
    || { echo "switchyard: mysql: mariadb-install-db failed:" >&2; tail -n 20 "$LOGS/mariadb-install-db.log" >&2; exit 1; }
}

# A root login over TCP with the local password (mariadb-install-db creates root@127.0.0.1 without
# one) and the database the default URL names; run over the socket on the first start, when root
# has no password yet.
mysql_grant() {
  [ -f "$MYSQL_HOME/.granted" ] && return
  mariadb --no-defaults --socket="$MYSQL_SOCKET" -uroot <<SQL >>"$MYSQL_LOG" 2>&1 || fail_part mysql "could not create its login" "$MYSQL_LOG"
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$SWITCHYARD_LOCAL_MYSQL_PASSWORD';
DROP USER IF EXISTS 'root'@'::1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$SWITCHYARD_LOCAL_MYSQL_PASSWORD';
CREATE DATABASE IF NOT EXISTS switchyard CHARACTER SET utf8mb4;
SQL
  touch "$MYSQL_HOME/.granted"
}

up_mysql() {
  daemon_alive mariadbd && return
  port_open "$SWITCHYARD_MYSQL_PORT" && { echo "switchyard: mysql: 127.0.0.1:$SWITCHYARD_MYSQL_PORT is in use by another process; stop it, or set SWITCHYARD_MYSQL_PORT, or point SWITCHYARD_CONN_MYSQL at it" >&2; exit 1; }
  [ -x "$MYSQL_BIN/mariadbd" ] || { echo "switchyard: mysql: no mariadbd in $MYSQL_BIN; run scripts/setup.sh, or set SWITCHYARD_CONN_MYSQL" >&2; exit 1; }
  mysql_init
  start_daemon mariadbd "$MYSQL_BIN/mariadbd" --no-defaults --user="$(mysql_user)" --datadir="$MYSQL_DATA" \
    --socket="$MYSQL_SOCKET" --pid-file="$MYSQL_HOME/mariadbd.pid" --bind-address=127.0.0.1 --port="$SWITCHYARD_MYSQL_PORT" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --log-bin="$MYSQL_DATA/binlog" --server-id=1 --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL \
    --gtid-strict-mode=1 --log-slave-updates=1 --max-connections=300 --innodb-buffer-pool-size=256M
  wait_for mysql "127.0.0.1:$SWITCHYARD_MYSQL_PORT" "$MYSQL_LOG" mariadbd port_open "$SWITCHYARD_MYSQL_PORT"
  mysql_grant
}
down_mysql() { stop_daemon mariadbd; }
status_mysql() { status_daemon mariadbd "127.0.0.1:$SWITCHYARD_MYSQL_PORT (MariaDB)"; }
managed_mysql() { [ "$SWITCHYARD_MANAGE_MYSQL" = 1 ]; }
external_mysql() { redacted "$SWITCHYARD_CONN_MYSQL"; }
STACK_PARTS+=(mysql)
DEFAULT_PARTS+=(mysql)
