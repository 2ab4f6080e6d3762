'use strict';
// Starts s3rver (an S3-compatible server, plain HTTP, path-style) on
// 127.0.0.1:<port>, storing objects under <directory>, with the given
// buckets created, and prints "listening <port>" when ready.
// Usage: node s3rver.cjs [port [directory [bucket...]]]
// port defaults to $PORT, else 4569; directory to a new temporary folder,
// removed on SIGINT/SIGTERM (pass one that the caller removes when the
// process may be killed outright). Credentials are S3RVER / S3RVER.
const fs = require('fs');
const os = require('os');
const path = require('path');
const S3rver = require('s3rver');

const port = Number(process.argv[2] || process.env.PORT || 4569);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`s3rver.cjs: bad port ${JSON.stringify(process.argv[2] || process.env.PORT)}`);
  process.exit(2);
}
let directory = process.argv[3];
let ownDir = false;
if (!directory) {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-s3rver-'));
  ownDir = true;
}
const buckets = process.argv.slice(4).map((name) => ({ name, configs: [] }));

const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory,
  silent: true,
  configureBuckets: buckets,
});

function exit(code) {
  if (ownDir) fs.rmSync(directory, { recursive: true, force: true });
  process.exit(code);
}

server.run((err, addr) => {
  if (err) {
    console.error(`s3rver.cjs: ${err.message}`);
    exit(1);
    return;
  }
  console.log(`listening ${addr.port}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => exit(0));
