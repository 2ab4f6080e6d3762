'use strict';
// Starts kinesis-local (the npm build of kinesis-mock) on 127.0.0.1 only,
// with fast state changes. Usage:
//   node kinesis-local.cjs [plainPort [tlsPort]]
// Ports default to $KINESIS_MOCK_PLAIN_PORT / $KINESIS_MOCK_TLS_PORT, else
// 4568 / 4567. Any variable already set in the environment wins over the
// defaults below (see node_modules/kinesis-local/README.md for the list).
// Prints "listening <plainPort>" once the plain HTTP port accepts.
require('./bind-loopback.cjs');
const net = require('net');
const path = require('path');

const pkgDir = path.dirname(require.resolve('kinesis-local/package.json'));
const plain = process.argv[2] || process.env.KINESIS_MOCK_PLAIN_PORT || '4568';
const tls = process.argv[3] || process.env.KINESIS_MOCK_TLS_PORT || '4567';

const defaults = {
  KINESIS_MOCK_CERT_PATH: path.join(pkgDir, 'server.json'),
  CREATE_STREAM_DURATION: '50ms',
  DELETE_STREAM_DURATION: '50ms',
  REGISTER_STREAM_CONSUMER_DURATION: '50ms',
  DEREGISTER_STREAM_CONSUMER_DURATION: '50ms',
  START_STREAM_ENCRYPTION_DURATION: '50ms',
  STOP_STREAM_ENCRYPTION_DURATION: '50ms',
  MERGE_SHARDS_DURATION: '50ms',
  SPLIT_SHARD_DURATION: '50ms',
  UPDATE_SHARD_COUNT_DURATION: '50ms',
  UPDATE_STREAM_MODE_DURATION: '50ms',
  SHARD_LIMIT: '100',
  LOG_LEVEL: 'WARN',
  SHOULD_PERSIST_DATA: 'false',
};
for (const [k, v] of Object.entries(defaults)) {
  if (process.env[k] === undefined || process.env[k] === '') process.env[k] = v;
}
process.env.KINESIS_MOCK_PLAIN_PORT = String(plain);
process.env.KINESIS_MOCK_TLS_PORT = String(tls);

// Announce readiness once the plain port accepts connections.
const deadline = Date.now() + 30000;
(function poll() {
  const s = net.connect({ host: '127.0.0.1', port: Number(plain) });
  s.once('connect', () => { s.destroy(); console.log(`listening ${plain}`); });
  s.once('error', () => {
    s.destroy();
    if (Date.now() < deadline) setTimeout(poll, 20).unref();
  });
})();

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

require('kinesis-local/main.js');
