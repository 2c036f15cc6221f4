// Progressive enhancement of the report form. Without JavaScript the form still works (and is
// rate-limited harder); with it, the page pays a small proof of work while the reporter types,
// and can encrypt the report to the maker's OpenPGP key before it leaves the browser.
const form = document.getElementById('report-form');
const status = document.getElementById('pow-status');

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));

// ALTCHA v2, SHA-256, cost 1: the smallest big-endian uint32 counter such that
// SHA-256(salt ‖ nonce ‖ counter) begins with keyPrefix.
async function solve(challenge) {
  const p = challenge.parameters;
  const salt = fromHex(p.salt);
  const nonce = fromHex(p.nonce);
  const buf = new Uint8Array(salt.length + nonce.length + 4);
  buf.set(salt, 0);
  buf.set(nonce, salt.length);
  const view = new DataView(buf.buffer);
  const prefix = p.keyPrefix.toLowerCase();
  for (let counter = 0; counter < 0xffffffff; counter++) {
    view.setUint32(salt.length + nonce.length, counter, false);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
    const key = hex(digest.subarray(0, p.keyLength ?? 32));
    if (key.startsWith(prefix)) return { counter, derivedKey: key };
  }
  throw new Error('no solution');
}

let proof = null;
async function prepareProof() {
  if (form.dataset.powBits === '0') return;
  status.textContent = 'Preparing an anti-spam check in your browser…';
  const res = await fetch('/api/v1/public/proof-of-work', { credentials: 'omit' });
  const body = await res.json();
  if (!body.required) return;
  const solution = await solve(body.challenge);
  proof = JSON.stringify({ challenge: body.challenge, solution });
  form.elements.proofOfWork.value = proof;
  status.textContent = 'Anti-spam check done.';
}

let proofReady = prepareProof().catch(() => {
  status.textContent = 'The anti-spam check could not run; the report will still be sent, more slowly.';
});

const encryptField = document.getElementById('encrypt-field');
if (encryptField && window.crypto?.subtle) encryptField.hidden = false;

async function encryptBody() {
  const openpgp = await import('/assets/openpgp.min.mjs');
  const armoredKey = await (await fetch(form.dataset.keyUrl, { credentials: 'omit' })).text();
  const publicKey = await openpgp.readKey({ armoredKey });
  if (publicKey.getFingerprint().toUpperCase() !== form.dataset.keyFingerprint) throw new Error('The key served does not match the fingerprint on this page.');
  const text = ['Description:', form.elements.description.value, '', 'Steps to reproduce / proof of concept:', form.elements.steps.value, '', 'Impact:', form.elements.impact.value].join('\n');
  const message = await openpgp.encrypt({ message: await openpgp.createMessage({ text }), encryptionKeys: publicKey });
  form.elements.description.value = message;
  form.elements.steps.value = 'Encrypted with the description.';
  form.elements.impact.value = '';
}

let sending = false;
form.addEventListener('submit', async (event) => {
  if (sending) return;
  event.preventDefault();
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await proofReady;
    const encrypt = form.elements.encrypted?.checked;
    if (encrypt) {
      status.textContent = 'Encrypting your report in this browser…';
      await encryptBody();
    }
    sending = true;
    form.submit();
  } catch (e) {
    status.textContent = `Could not prepare the report: ${e.message}. Untick encryption, or send it without JavaScript.`;
    button.disabled = false;
  }
});
