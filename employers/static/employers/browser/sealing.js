// Sealing in the browser with WebCrypto, per docs/protocol.md (talent-compact-sealed/1):
// seed from crypto.getRandomValues; mask = AES-256-CTR keystream under HKDF-SHA256(seed,
// info "talent-compact/mask/1"), zero counter block, read as little-endian uint64;
// masked = vector - mask mod 2^64; the seed sealed with HPKE base mode (RFC 9180:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) to the office key, the binding as info.
// Only the masked vector and the 80-byte sealed seed ever leave the page.

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();
export const ENVELOPE_FORMAT = "talent-compact-sealed/1";
const MASK_INFO = enc.encode("talent-compact/mask/1");
const BINDING_PREFIX = "talent-compact/seal/1\n";
export const SEED_BYTES = 32;

export const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
export const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));

export function base64(bytes) {
  const view = new Uint8Array(bytes);
  let binary = "";
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- the mask -----------------------------------------------------------------------------

export async function maskExpand(seed, length) {
  if (seed.length !== SEED_BYTES) throw new Error(`A seed has ${SEED_BYTES} bytes, not ${seed.length}.`);
  const ikm = await subtle.importKey("raw", seed, "HKDF", false, ["deriveBits"]);
  const keyBytes = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: MASK_INFO }, ikm, 256);
  const key = await subtle.importKey("raw", keyBytes, "AES-CTR", false, ["encrypt"]);
  const stream = await subtle.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 128 }, key, new Uint8Array(length * 8));
  return new BigUint64Array(littleEndianWords(new Uint8Array(stream)));
}

// Little-endian uint64 words of a byte string (the platform may be big-endian in theory).
function littleEndianWords(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new BigUint64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getBigUint64(8 * i, true);
  return out.buffer;
}

export function elementsToBytes(elements) {
  const bytes = new Uint8Array(elements.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < elements.length; i++) view.setBigUint64(8 * i, elements[i], true);
  return bytes;
}

export function ringSub(a, b) {
  const out = new BigUint64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i]; // BigUint64Array stores mod 2^64
  return out;
}

// The binding (sealing.Binding.info): sorted keys, no spaces, as json.dumps(sort_keys=True).
export function bindingInfo(b) {
  const fields = {
    cycle: b.cycle, employer: b.employer, key_fingerprint: b.key_fingerprint, layout: b.layout,
    masked_sha256: b.masked_sha256, taxonomy: b.taxonomy, version: b.version,
  };
  const body = "{" + Object.keys(fields).sort().map((k) => JSON.stringify(k) + ":" + JSON.stringify(fields[k])
    .replace(/[\u0080-\uffff]/g, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"))).join(",") + "}";
  return enc.encode(BINDING_PREFIX + body);
}

// --- HPKE base mode, RFC 9180, on WebCrypto primitives ----------------------------------

const KEM_ID = 0x0020, KDF_ID = 0x0001, AEAD_ID = 0x0001;
const i2osp = (n, w) => Uint8Array.from({ length: w }, (_, i) => (n >> (8 * (w - 1 - i))) & 0xff);
const KEM_SUITE = concat(enc.encode("KEM"), i2osp(KEM_ID, 2));
const HPKE_SUITE = concat(enc.encode("HPKE"), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2));
const PKCS8_X25519 = fromHex("302e020100300506032b656e04220420");

async function hmac(key, data) {
  const k = await subtle.importKey("raw", key.length ? key : new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", k, data));
}

async function labeledExtract(suite, salt, label, ikm) {
  return hmac(salt, concat(enc.encode("HPKE-v1"), suite, enc.encode(label), ikm));
}

async function labeledExpand(suite, prk, label, info, length) {
  const labeled = concat(i2osp(length, 2), enc.encode("HPKE-v1"), suite, enc.encode(label), info);
  let t = new Uint8Array(0), out = new Uint8Array(0);
  for (let i = 1; out.length < length; i++) {
    t = await hmac(prk, concat(t, labeled, Uint8Array.of(i)));
    out = concat(out, t);
  }
  return out.slice(0, length);
}

export async function x25519PrivateKey(raw) {
  return subtle.importKey("pkcs8", concat(PKCS8_X25519, raw), { name: "X25519" }, true, ["deriveBits"]);
}

// SealBase with a given ephemeral key pair (the test vectors fix it; sealing draws a new one).
export async function sealBaseWith(ephemeral, recipientRaw, info, aad, plaintext) {
  const enc_ = new Uint8Array(await subtle.exportKey("raw", ephemeral.publicKey));
  const recipient = await subtle.importKey("raw", recipientRaw, { name: "X25519" }, true, []);
  const dh = new Uint8Array(await subtle.deriveBits({ name: "X25519", public: recipient }, ephemeral.privateKey, 256));
  const kemContext = concat(enc_, recipientRaw);
  const eaePrk = await labeledExtract(KEM_SUITE, new Uint8Array(0), "eae_prk", dh);
  const sharedSecret = await labeledExpand(KEM_SUITE, eaePrk, "shared_secret", kemContext, 32);
  const pskIdHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), "psk_id_hash", new Uint8Array(0));
  const infoHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), "info_hash", info);
  const context = concat(Uint8Array.of(0), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, sharedSecret, "secret", new Uint8Array(0));
  const keyBytes = await labeledExpand(HPKE_SUITE, secret, "key", context, 16);
  const nonce = await labeledExpand(HPKE_SUITE, secret, "base_nonce", context, 12);
  const key = await subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  const ct = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, plaintext));
  return { enc: enc_, sharedSecret, key: keyBytes, nonce, ct };
}

export async function sealBase(recipientRaw, info, plaintext) {
  const ephemeral = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const out = await sealBaseWith(ephemeral, recipientRaw, info, new Uint8Array(0), plaintext);
  return concat(out.enc, out.ct);
}

export async function ephemeralFromRaw(raw) {
  // WebCrypto derives the public key of an imported private key through JWK export.
  const privateKey = await x25519PrivateKey(raw);
  const jwk = await subtle.exportKey("jwk", privateKey);
  const publicKey = await subtle.importKey("jwk", { kty: "OKP", crv: "X25519", x: jwk.x }, { name: "X25519" }, true, []);
  return { privateKey, publicKey };
}

export async function fingerprint(publicRaw) {
  return hex(await sha256(publicRaw));
}

// "AB12 CD34 ..." of the first 32 hex digits, as officekey.fingerprint_display.
export function fingerprintDisplay(fp) {
  return fp.slice(0, 32).toUpperCase().match(/.{1,4}/g).join(" ");
}

export async function x25519Supported() {
  try {
    await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    return true;
  } catch {
    return false;
  }
}

// The sealed envelope for one employer's vector; ``target`` is the cycle key document.
// ``seed`` and ``ephemeral`` are for the test vectors only; sealing draws both fresh.
export async function seal(elements, target, { seed = null, ephemeral = null, now = new Date() } = {}) {
  if (target.next_version < 1) throw new Error(`A submission version starts at 1; got ${target.next_version}.`);
  const seedBytes = seed || crypto.getRandomValues(new Uint8Array(SEED_BYTES));
  const publicRaw = fromBase64(target.office_key.public_key);
  if (publicRaw.length !== 32) throw new Error("The office key is not an X25519 public key.");
  const keyFingerprint = await fingerprint(publicRaw);
  if (target.office_key.fingerprint && target.office_key.fingerprint !== keyFingerprint) {
    throw new Error("The office key's fingerprint does not match its key: it was altered.");
  }
  const masked = elementsToBytes(ringSub(elements, await maskExpand(seedBytes, elements.length)));
  const binding = {
    cycle: target.cycle, employer: target.employer, version: target.next_version, taxonomy: target.taxonomy,
    layout: target.layout, key_fingerprint: keyFingerprint, masked_sha256: hex(await sha256(masked)),
  };
  const info = bindingInfo(binding);
  let sealed;
  if (ephemeral) {
    const out = await sealBaseWith(ephemeral, publicRaw, info, new Uint8Array(0), seedBytes);
    sealed = concat(out.enc, out.ct);
  } else sealed = await sealBase(publicRaw, info, seedBytes);
  if (!seed) seedBytes.fill(0); // the page's seed exists only until it is sealed
  return {
    format: ENVELOPE_FORMAT, ...binding, elements: elements.length, masked_vector: base64(masked),
    sealed_seed: base64(sealed), sealed_at: now.toISOString().replace(/\.\d{3}Z$/, "+00:00"),
  };
}
