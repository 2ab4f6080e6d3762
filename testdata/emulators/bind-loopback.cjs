'use strict';
// Preload (`node -r ./bind-loopback.cjs …`) that makes every net.Server
// (and so every http, https, tls and http2 server) listen on 127.0.0.1,
// whatever host the program asks for. kinesis-local hard-codes 0.0.0.0.
const net = require('net');

const HOST = '127.0.0.1';
const listen = net.Server.prototype.listen;

if (!listen.__spillwayLoopback) {
  const patched = function (...args) {
    const a0 = args[0];
    if (a0 !== null && typeof a0 === 'object') {
      // listen(options[, cb]) or listen(handle[, backlog][, cb]): only
      // rewrite TCP options (a port, or neither path nor handle nor fd).
      const isOptions = Object.getPrototypeOf(a0) === Object.prototype;
      if (isOptions && a0.path === undefined && a0.handle === undefined && a0.fd === undefined && a0._handle === undefined) {
        args[0] = { ...a0, host: HOST, ipv6Only: false };
      }
      return listen.apply(this, args);
    }
    if (typeof a0 === 'string' && !/^\d+$/.test(a0)) {
      return listen.apply(this, args); // a Unix socket or pipe path
    }
    // listen([port[, host[, backlog]]][, cb])
    const opts = { port: a0 === undefined || typeof a0 === 'function' || a0 === null ? 0 : Number(a0), host: HOST };
    let cb;
    for (const a of args.slice(typeof a0 === 'function' ? 0 : 1)) {
      if (typeof a === 'function') cb = a;
      else if (typeof a === 'number') opts.backlog = a;
      // a string is the asked-for host: ignored.
    }
    return cb ? listen.call(this, opts, cb) : listen.call(this, opts);
  };
  patched.__spillwayLoopback = true;
  net.Server.prototype.listen = patched;
}
