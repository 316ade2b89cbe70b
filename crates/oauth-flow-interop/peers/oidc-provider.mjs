// oidc-provider (a certified OpenID Provider library) configured for the
// interop suite, listening on 127.0.0.1 only.
//
//   node oidc-provider.mjs --port PORT
//
// Prints `listening http://127.0.0.1:PORT` on stdout once it accepts
// connections, logs each error the provider reports (with the detail that
// clients do not get) on stderr, and exits when its standard input closes, so
// a test that dies cannot leave it running.

import * as http from 'node:http';
import Provider from 'oidc-provider';

const HOST = '127.0.0.1';

function portArgument() {
  const at = process.argv.indexOf('--port');
  const port = Number(at === -1 ? NaN : process.argv[at + 1]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error('usage: node oidc-provider.mjs --port PORT');
    process.exit(2);
  }
  return port;
}

const port = portArgument();
const issuer = `http://${HOST}:${port}`;

// Native clients: the provider accepts any port on a loopback redirect URI
// for them (RFC 8252 section 7.3), so the suite's receivers can use
// ephemeral ports. The port in the registered URI is therefore irrelevant.
const native = {
  application_type: 'native',
  redirect_uris: [`http://${HOST}/callback`],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};

const SECRET = 'interop-secret';

const configuration = {
  clients: [
    { ...native, client_id: 'interop-public', token_endpoint_auth_method: 'none' },
    {
      ...native,
      client_id: 'interop-basic',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      ...native,
      client_id: 'interop-post',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  // The default requires PKCE of public clients only.
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access'],
  claims: { openid: ['sub'] },
  // Signs the interaction cookies; a fixed test value, not a secret.
  cookies: { keys: ['interop-cookie-key-not-a-secret'] },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Interaction: 600,
    Session: 3600,
  },
};

const provider = new Provider(issuer, configuration);

// Clients get generic text ("grant request is invalid"); the detail helps
// whoever reads a failed test's log.
for (const event of [
  'authorization.error',
  'grant.error',
  'introspection.error',
  'revocation.error',
  'server_error',
  'userinfo.error',
]) {
  provider.on(event, (...args) => {
    const error = args.find((arg) => arg instanceof Error);
    const detail = error
      ? `${error.error ?? error.name}: ${error.error_description ?? error.message}`
        + (error.error_detail ? ` (${error.error_detail})` : '')
      : '';
    console.error(`${event} ${detail}`);
  });
}

const server = http.createServer(provider.callback());
server.on('error', (error) => {
  console.error(`cannot listen on ${HOST}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, HOST, () => {
  console.log(`listening ${issuer}`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
