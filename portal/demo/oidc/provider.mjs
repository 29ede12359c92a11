// A local OpenID provider for demo mode and the test suite: the certified `oidc-provider` package
// (npm registry) with a small login page that lists made-up accounts, the way an e-ID broker's test
// environment does. It enforces PKCE (S256) for every client, signs ID tokens with a fresh RSA key and
// supports RP-initiated logout.
//
// Usage: node provider.mjs CONFIG.json
//   { "issuer": "http://127.0.0.1:8002", "port": 8002,
//     "clients": [{ "client_id", "client_secret", "redirect_uris": [...], "post_logout_redirect_uris": [...] }],
//     "accounts": [{ "sub", "label", "acr", "claims": { ... } }],
//     "test_controls": false }
// With test_controls, POST /__control/jwks-mismatch makes the JWKS endpoint publish a key that did not
// sign the tokens (an RP must then refuse every ID token), and POST /__control/reset undoes it.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accounts = new Map(config.accounts.map((account) => [account.sub, account]));

const PNR = "https://id.oidc.se/claim/personalIdentityNumber";
const COORDINATION = "https://id.oidc.se/claim/coordinationNumber";

function newJwk() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  return { ...jwk, kid: "signing-key", use: "sig", alg: "RS256" };
}
const signingKey = newJwk();
const decoyKey = newJwk();
let jwksMismatch = false;

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const page = (title, body) => `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1rem;padding:.6rem 1rem;margin:.25rem 0;min-width:100%;text-align:left;cursor:pointer}
.note{background:#fff4ce;border-left:4px solid #8a6d00;padding:.5rem 1rem}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...client,
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  pkce: { required: () => true },
  acrValues: [
    "http://id.elegnamnden.se/loa/1.0/loa2",
    "http://id.elegnamnden.se/loa/1.0/loa3",
    "http://id.elegnamnden.se/loa/1.0/loa4",
  ],
  scopes: ["openid", "profile", "https://id.oidc.se/scope/naturalPersonNumber", "staff"],
  claims: {
    openid: ["sub"],
    acr: null,
    auth_time: null,
    profile: ["name", "given_name", "family_name"],
    "https://id.oidc.se/scope/naturalPersonNumber": [PNR, COORDINATION],
    staff: ["email", "roles", "unit", "provider"],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page(
          "Logga ut från e-legitimationen",
          `<p>Vill du logga ut från demo-e-legitimationen också?</p>${form}
           <button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, logga ut</button>
           <button type="submit" form="op.logoutForm">Nej, fortsätt vara inloggad här</button>`,
        );
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page("Utloggad", "<p>Du är utloggad.</p>");
      },
    },
  },
  findAccount: async (_ctx, sub) => {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
  },
  // A first-party broker: the citizen is not asked to consent to the claims the portal needs.
  loadExistingGrant: async (ctx) => {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(" "));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  renderError: async (ctx, out) => {
    ctx.type = "html";
    ctx.body = page("Något gick fel", `<p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description || "")}</p>`);
  },
});
provider.proxy = true;

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk) => {
      data += chunk;
      if (data.length > 10000) reject(new Error("too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(data)));
    req.on("error", reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET") {
    const buttons = [...accounts.values()]
      .map(
        (account) =>
          `<button type="submit" name="account" value="${escapeHtml(account.sub)}">${escapeHtml(account.label)}</button>`,
      )
      .join("\n");
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(
      page(
        "Demo-e-legitimation",
        `<p class="note">Det här är en testtjänst för e-legitimation. Välj vem du vill logga in som.</p>
         <form method="post" action="/interaction/${uid}/login">${buttons}</form>
         <form method="post" action="/interaction/${uid}/abort"><button type="submit">Avbryt</button></form>`,
      ),
    );
    return;
  }
  const form = await readForm(req);
  if (action === "abort") {
    await provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "The user cancelled the login" },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const account = accounts.get(form.get("account"));
  if (!account) {
    res.statusCode = 400;
    res.end("unknown account");
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub, acr: account.acr || "http://id.elegnamnden.se/loa/1.0/loa3" } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, config.issuer);
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
    if (match) {
      await interaction(req, res, match[1], match[2]);
      return;
    }
    if (config.test_controls && req.method === "POST" && url.pathname.startsWith("/__control/")) {
      jwksMismatch = url.pathname === "/__control/jwks-mismatch";
      res.end("ok");
      return;
    }
    if (jwksMismatch && url.pathname === "/jwks") {
      const { d, p, q, dp, dq, qi, ...publicPart } = decoyKey;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ keys: [publicPart] }));
      return;
    }
    callback(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.statusCode = 500;
    res.end("error");
  }
});
server.listen(config.port, "127.0.0.1", () => {
  console.log(`OpenID provider ${config.issuer} ready`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
