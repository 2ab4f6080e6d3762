'use strict';
// Starts kinesalite in memory on 127.0.0.1:<port> (argv[2], else $PORT, else
// 4567) with fast state changes, and prints "listening <port>" when ready.
// Usage: node kinesalite.cjs [port]
const kinesalite = require('kinesalite');

const port = Number(process.argv[2] || process.env.PORT || 4567);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`kinesalite.cjs: bad port ${JSON.stringify(process.argv[2] || process.env.PORT)}`);
  process.exit(2);
}

const server = kinesalite({ createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50, shardLimit: 100 });
server.on('error', (err) => {
  console.error(`kinesalite.cjs: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
