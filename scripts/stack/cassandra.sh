# Apache Cassandra for the local stack, only when asked (`stack.sh up cassandra`): it holds about 1 GB.
# Runs CassandraDaemon from the jars scripts/setup/cassandra.sh fetched, with a cassandra.yaml generated
# here: one node on loopback, data under the stack folder. Sourced by scripts/stack.sh.
STACK_PARTS+=(cassandra)

CASSANDRA_HOME_DIR="$SWITCHYARD_TOOLS_DIR/cassandra-5.0.4"
CASSANDRA_DIR="$STACK/cassandra"

managed_cassandra() { [ "$SWITCHYARD_MANAGE_CASSANDRA" = 1 ]; }
external_cassandra() { echo "$SWITCHYARD_CONN_CASSANDRA"; }

cassandra_yaml() {
  cat <<YAML
cluster_name: switchyard
num_tokens: 16
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
native_transport_port: $SWITCHYARD_CASSANDRA_PORT
storage_port: $SWITCHYARD_CASSANDRA_STORAGE_PORT
start_native_transport: true
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$SWITCHYARD_CASSANDRA_STORAGE_PORT"
endpoint_snitch: SimpleSnitch
data_file_directories: [$CASSANDRA_DIR/data]
commitlog_directory: $CASSANDRA_DIR/commitlog
saved_caches_directory: $CASSANDRA_DIR/saved_caches
hints_directory: $CASSANDRA_DIR/hints
cdc_raw_directory: $CASSANDRA_DIR/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
concurrent_reads: 8
concurrent_writes: 8
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
disk_failure_policy: stop
commit_failure_policy: stop
# Tests issue DDL per run; user-defined timestamps (USING TIMESTAMP) are the version guard.
auto_snapshot: false
YAML
}

cassandra_logback() {
  cat <<'XML'
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
  <logger name="org.apache.cassandra.transport" level="INFO"/>
</configuration>
XML
}

# Java 17 module flags from Cassandra's conf/jvm17-server.options (the jar does not ship conf/).
CASSANDRA_JVM17=(
  -Djdk.attach.allowAttachSelf=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true
)

up_cassandra() {
  daemon_alive cassandra && return
  port_open "$SWITCHYARD_CASSANDRA_PORT" && { echo "switchyard: cassandra: 127.0.0.1:$SWITCHYARD_CASSANDRA_PORT is in use by another process; stop it, or set SWITCHYARD_CASSANDRA_PORT, or point SWITCHYARD_CONN_CASSANDRA at it" >&2; exit 1; }
  [ -f "$CASSANDRA_HOME_DIR/.complete" ] || { echo "switchyard: cassandra: not installed; run scripts/setup.sh cassandra, or set SWITCHYARD_CONN_CASSANDRA" >&2; exit 1; }
  mkdir -p "$CASSANDRA_DIR"/{data,commitlog,saved_caches,hints,cdc_raw}
  cassandra_yaml >"$CASSANDRA_DIR/cassandra.yaml"
  cassandra_logback >"$CASSANDRA_DIR/logback.xml"
  local started=$SECONDS
  # One node needs no ring or schema settling: the delays drop from 30 s to a fraction.
  # exec -a names the process "cassandra", which daemon_alive looks for.
  start_daemon cassandra bash -c 'exec -a cassandra java "$@"' cassandra -Xms${SWITCHYARD_CASSANDRA_HEAP:-512m} -Xmx${SWITCHYARD_CASSANDRA_HEAP:-512m} -Xss512k \
    -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:+ExitOnOutOfMemoryError \
    "${CASSANDRA_JVM17[@]}" \
    -Dcassandra.config="file://$CASSANDRA_DIR/cassandra.yaml" -Dlogback.configurationFile="$CASSANDRA_DIR/logback.xml" \
    -Dcassandra.storagedir="$CASSANDRA_DIR" -Dcassandra.logdir="$LOGS" -Dcassandra-foreground=yes \
    -Dcassandra.ring_delay_ms=100 -Dcassandra.schema_delay_ms=100 -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -cp "$CASSANDRA_HOME_DIR/lib/*" org.apache.cassandra.service.CassandraDaemon
  wait_for cassandra "127.0.0.1:$SWITCHYARD_CASSANDRA_PORT" "$LOGS/cassandra.log" cassandra port_open "$SWITCHYARD_CASSANDRA_PORT"
  sy_say "cassandra answered on 127.0.0.1:$SWITCHYARD_CASSANDRA_PORT after $((SECONDS - started))s"
}
down_cassandra() { stop_daemon cassandra; }
status_cassandra() { status_daemon cassandra "127.0.0.1:$SWITCHYARD_CASSANDRA_PORT (Cassandra 5.0.4)"; }
