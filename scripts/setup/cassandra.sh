#!/usr/bin/env bash
# Apache Cassandra for the wide-column tests and specs, fetched from Maven Central into the tools folder:
# cassandra-all and its runtime dependency jars, run later by scripts/stack/cassandra.sh from a generated
# cassandra.yaml. Sourced by scripts/setup.sh only when asked (`setup.sh cassandra`), like `stack.sh up cassandra`.
# Idempotent: a stamp names the version whose jars are complete.
CASSANDRA_VERSION=5.0.4
CASSANDRA_HOME_DIR="$SWITCHYARD_TOOLS_DIR/cassandra-$CASSANDRA_VERSION"

fetch_cassandra_jars() {
  mkdir -p "$CASSANDRA_HOME_DIR"
  cat >"$CASSANDRA_HOME_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>switchyard.local</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>$CASSANDRA_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  rm -rf "$CASSANDRA_HOME_DIR/lib"
  mvn -B -q -f "$CASSANDRA_HOME_DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$CASSANDRA_HOME_DIR/lib"
}

install_cassandra() {
  local stamp="$CASSANDRA_HOME_DIR/.complete"
  [ -f "$stamp" ] && return
  command -v java >/dev/null || sy_die "Cassandra $CASSANDRA_VERSION needs Java 17 (java not found): install openjdk-17-jre-headless, or set SWITCHYARD_CONN_CASSANDRA to your cluster"
  command -v mvn >/dev/null || sy_die "fetching Cassandra $CASSANDRA_VERSION needs Maven (mvn not found): install maven, or set SWITCHYARD_CONN_CASSANDRA to your cluster"
  run_long "fetching Cassandra $CASSANDRA_VERSION jars with Maven" "$LOGS/cassandra-fetch.log" fetch_cassandra_jars \
    || sy_die "cannot fetch Cassandra (see $LOGS/cassandra-fetch.log): is Maven Central reachable? Or set SWITCHYARD_CONN_CASSANDRA to your cluster"
  touch "$stamp"
}
