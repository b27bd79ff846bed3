/**
 * Imported first by tests that point a side at a dead MongoDB: the driver waits this long for
 * server selection (5 s by default) before a call fails. Read by lib/connectors/clients at load.
 */
process.env.SWITCHYARD_CONNECT_TIMEOUT_MS = '500';
process.env.SWITCHYARD_CONN_MONGO_DOWN = 'mongodb://127.0.0.1:1/';
