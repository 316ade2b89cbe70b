// Preloaded with `node --require ./loopback-only.cjs program.js`: every TCP
// server the program starts listens on 127.0.0.1, whatever address its own
// code asks for. Programs that call `listen(port)` with no host (Express's
// `app.listen`) would otherwise listen on all interfaces.
'use strict';

const net = require('node:net');

const HOST = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object' && !('fd' in first) && !('_handle' in first)) {
    // listen(options[, callback]); a Unix socket path is left alone.
    if (first.path === undefined) {
      args[0] = { ...first, host: HOST };
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === 'string') {
      args[1] = HOST;
    } else {
      args.splice(1, 0, HOST);
    }
  } else if (first === undefined || typeof first === 'function') {
    // listen([callback]): a port the system chooses.
    args.splice(0, first === undefined ? 1 : 0, 0, HOST);
  }
  return listen.apply(this, args);
};
