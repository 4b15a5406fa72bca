// A real OpenID Connect provider for vulndesk's sign-in tests (the npm package oidc-provider).
// Environment: OIDC_PORT (0 = any free port), OIDC_REDIRECT_URI, OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_JWK (a private JWK, JSON; a fresh RSA key when unset).
// It prints "listening <port>" once it serves. Test controls (loopback only):
//   POST /test/next-user {"id", "groups", "amr", "username"}  whoever signs in next, and
//   how; `id` is the subject (sub), `username` the preferred_username (default: the id).
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const env = process.env;
const users = {};
let nextUser = { id: 'li.na', groups: [], amr: ['pwd'] };

const jwk = env.OIDC_JWK
  ? JSON.parse(env.OIDC_JWK)
  : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function configuration() {
  return {
    clients: [{
      client_id: env.OIDC_CLIENT_ID || 'vulndesk',
      client_secret: env.OIDC_CLIENT_SECRET || 'test-secret',
      redirect_uris: [env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [{ ...jwk, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub', 'amr', 'acr', 'auth_time'],
      profile: ['preferred_username', 'name', 'groups'],
      email: ['email'],
    },
    conformIdTokenClaims: false, // profile claims travel in the ID token
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        preferred_username: (users[id] || {}).username || id,
        name: id,
        email: `${id}@example.org`,
        groups: (users[id] || {}).groups || [],
      }),
    }),
  };
}

function body(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
  });
}

const server = http.createServer();
server.listen(Number(env.OIDC_PORT || 0), '127.0.0.1', () => {
  const port = server.address().port;
  const provider = new Provider(`http://127.0.0.1:${port}`, configuration());
  const handler = provider.callback();
  server.on('request', async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/test/next-user') {
        nextUser = JSON.parse(await body(req));
        users[nextUser.id] = nextUser;
        res.writeHead(204).end();
      } else if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
        // Signs in whoever is next, with their amr, and grants the client what it asked for.
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: nextUser.id, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, {
          login: { accountId: nextUser.id, amr: nextUser.amr },
          consent: { grantId },
        }, { mergeWithLastSubmission: false });
      } else {
        handler(req, res);
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  console.log(`listening ${port}`);
});
