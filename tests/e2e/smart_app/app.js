// A minimal browser SMART on FHIR app (standalone launch, public client, PKCE S256),
// served from its own origin: everything it asks of ENS goes through CORS.
// First load: app/index.html?iss=<FHIR base>&client_id=<id>  -> discovery, then authorize.
// Back from consent: ?code=…&state=…  -> token (fetch POST), then FHIR reads (fetch GET).
"use strict";

const SCOPE = "launch/patient openid fhirUser patient/Observation.rs";

function show(id, value) {
  document.getElementById(id).textContent =
    typeof value === "string" ? value : JSON.stringify(value);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function redirectUri() {
  return location.origin + location.pathname;
}

async function launch(params) {
  const iss = params.get("iss");
  const clientId = params.get("client_id");
  const discovery = await fetch(iss + "/.well-known/smart-configuration");
  const config = await discovery.json();
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem("smart", JSON.stringify({
    iss, clientId, verifier, state, tokenEndpoint: config.token_endpoint,
  }));
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri(),
    scope: SCOPE,
    state,
    aud: iss,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  }).toString();
  show("status", "redirection");
  location.assign(url.toString());
}

async function callback(params) {
  const saved = JSON.parse(sessionStorage.getItem("smart"));
  if (params.get("state") !== saved.state) {
    throw new Error("state mismatch");
  }
  const tokenResponse = await fetch(saved.tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri(),
      client_id: saved.clientId,
      code_verifier: saved.verifier,
    }),
  });
  const token = await tokenResponse.json();
  if (!tokenResponse.ok) {
    throw new Error("token: " + JSON.stringify(token));
  }
  const headers = {
    Authorization: "Bearer " + token.access_token,
    Accept: "application/fhir+json",
  };
  const metadata = await (await fetch(saved.iss + "/metadata")).json();
  const search = await fetch(
    saved.iss + "/Observation?patient=" + encodeURIComponent(token.patient) + "&_count=5",
    { headers },
  );
  const bundle = await search.json();
  const first = bundle.entry && bundle.entry[0] && bundle.entry[0].resource;
  const read = await fetch(saved.iss + "/Observation/" + first.id, { headers });
  show("result", {
    patient: token.patient,
    scope: token.scope,
    cors: metadata.rest[0].security.cors,
    total: bundle.total,
    value: first.valueQuantity.value,
    readStatus: read.status,
    etag: read.headers.get("ETag"),
  });
  show("status", "terminé");
}

const params = new URLSearchParams(location.search);
(params.has("code") ? callback(params) : launch(params)).catch((error) => {
  show("status", "erreur : " + error);
});
