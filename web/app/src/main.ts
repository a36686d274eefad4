/**
 * The voter app: personal number → camera head-turn check → credential (blind signature) → ballot → review →
 * encrypt → cast or challenge → receipt with a QR code of the public tracking page. Every secret (credential key,
 * blinding factor, encryption nonces) is made and kept in this page's memory only, never in storage; the nonces of
 * a cast ballot are dropped before it is sent.
 */
import qrcode from 'qrcode-generator';
import {
  type BallotJson,
  type Credential,
  type CrCredential,
  type ManifestContest,
  G,
  checkCrCredential,
  ciphertextFromBytes,
  contestNumber,
  createCrBallot,
  crBallotHash,
  crCheckCode,
  crCredentialToText,
  decodeScalar,
  encodePoint,
  fakeCrCredential,
  mulSecret,
  randomScalar,
  rosterProofFromBytes,
  type RevealJson,
  ShailooError,
  ballotHash,
  credentialFingerprint,
  decodePoint,
  entryHash,
  equalBytes,
  finalizeCredential,
  verifyInclusion,
  verifyPromise,
  verifyTreeHead,
  fromHex,
  openSpoiled,
  requestCredential,
  toHex,
  trackingCode,
} from '../../core/src/index.js';
import {
  ApiError,
  type BallotDefinition,
  type ContestText,
  type ElectionPublic,
  type IdentificationResult,
  type IdentificationSession,
  type Receipt,
  api,
} from './api.js';
import { LANGS, LANG_NAMES, type Lang, errorText, t } from './i18n.js';

/** Milliseconds each head pose is held; a frame is taken in the middle of each step. */
export const POSE_STEP_MS = 2000;

interface State {
  lang: Lang;
  large: boolean;
  election?: ElectionPublic;
  session?: IdentificationSession;
  identified?: IdentificationResult;
  credential?: Credential;
  definition?: BallotDefinition;
  marks: Map<string, string[]>;
  prepared?: { ballot: BallotJson; reveal: RevealJson | null };
  receipt?: Receipt;
  delay: boolean;
  /** Coercion-resistant mode: the device's designated-verifier secret d, the credentials (real first), the one chosen. */
  cr?: { device: bigint; credentials: CrCredential[]; chosen: number; shown: number | null; realCode: string };
}

const state: State = {
  lang: (LANGS as readonly string[]).includes(localStorage.getItem('shailoo-lang') ?? '') ? (localStorage.getItem('shailoo-lang') as Lang) : 'ky',
  large: localStorage.getItem('shailoo-large') === '1',
  marks: new Map(),
  delay: true,
};

type Child = Node | string | null | undefined | false;

function h(tag: string, attrs: Record<string, string | boolean | ((e: Event) => void)> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const T = (key: string, vars?: Record<string, string | number>): string => t(state.lang, key, vars);

function main(): HTMLElement {
  return document.getElementById('main')!;
}

function show(screen: string, ...content: Child[]): void {
  const m = main();
  m.replaceChildren(...(content.filter(Boolean) as (Node | string)[]));
  m.dataset.screen = screen;
  document.title = `${T('title')}`;
  const heading = m.querySelector('h1, h2');
  if (heading instanceof HTMLElement) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

function errorBox(code: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-code': code },
    h('p', {}, h('strong', {}, `${T('error')}: `), errorText(state.lang, code)),
    retry ? h('button', { type: 'button', onclick: retry }, T('retry')) : null,
    h('button', { type: 'button', class: 'secondary', onclick: () => restart() }, T('back')),
  );
}

function codeOf(e: unknown): string {
  if (e instanceof ApiError || e instanceof ShailooError) return e.code;
  return 'unknown';
}

function renderChrome(): void {
  document.documentElement.lang = state.lang;
  document.documentElement.classList.toggle('large', state.large);
  const bar = document.getElementById('bar')!;
  const select = h('select', { id: 'lang', 'aria-label': T('language') }) as HTMLSelectElement;
  for (const l of LANGS) {
    const option = h('option', { value: l, lang: l }, LANG_NAMES[l]) as HTMLOptionElement;
    option.selected = l === state.lang;
    select.append(option);
  }
  select.addEventListener('change', () => {
    state.lang = select.value as Lang;
    localStorage.setItem('shailoo-lang', state.lang);
    renderChrome();
    rerender();
  });
  bar.replaceChildren(
    h('label', { for: 'lang' }, T('language')),
    select,
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-pressed': state.large ? 'true' : 'false',
        onclick: () => {
          state.large = !state.large;
          localStorage.setItem('shailoo-large', state.large ? '1' : '0');
          renderChrome();
        },
      },
      state.large ? T('large_off') : T('large_on'),
    ),
  );
  document.getElementById('skip')!.textContent = T('skip');
  document.getElementById('app-title')!.textContent = T('title');
  const offline = document.getElementById('offline')!;
  offline.textContent = navigator.onLine ? '' : T('offline');
  offline.hidden = navigator.onLine;
}

let rerender: () => void = () => welcome();

function restart(): void {
  state.cr = undefined;
  state.session = undefined;
  state.identified = undefined;
  state.prepared = undefined;
  state.marks = new Map();
  welcome();
}

// ---- 1. personal number ------------------------------------------------------------------------------------

function welcome(error?: string): void {
  rerender = () => welcome(error);
  const input = h('input', {
    id: 'pin',
    name: 'pin',
    inputmode: 'numeric',
    autocomplete: 'off',
    pattern: '[0-9]{14}',
    maxlength: '14',
    required: true,
    'aria-describedby': 'pin-hint',
  }) as HTMLInputElement;
  const form = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        void startSession(input.value.trim());
      },
    },
    h('label', { for: 'pin' }, T('national_id')),
    input,
    h('p', { id: 'pin-hint', class: 'hint' }, T('national_id_hint')),
    h('button', { type: 'submit', id: 'start' }, T('start')),
  );
  show('welcome', h('h2', {}, T('title')), h('p', {}, T('welcome')), form, error ? errorBox(error) : null);
}

async function startSession(pin: string): Promise<void> {
  if (!/^[0-9]{14}$/.test(pin)) return welcome('invalid_personal_number');
  try {
    state.election = await api<ElectionPublic>('GET', '/v1/election');
    state.session = await api<IdentificationSession>('POST', '/v1/identification/sessions', { national_id: pin, channel: 'app', method: 'face' });
    camera();
  } catch (e) {
    welcome(codeOf(e));
  }
}

// ---- 2. camera and head turns ------------------------------------------------------------------------------

function poseKey(turn: string): string {
  return turn === 'left' ? 'turn_left' : turn === 'right' ? 'turn_right' : 'turn_center';
}

function camera(error?: string): void {
  rerender = () => camera(error);
  const session = state.session!;
  const steps = ['center', ...session.liveness_turns];
  show(
    'camera',
    h('h2', {}, T('camera_title')),
    h('p', {}, T('camera_intro')),
    h('ol', { id: 'turns' }, ...steps.map((s) => h('li', { 'data-turn': s }, T(poseKey(s))))),
    h('button', { type: 'button', id: 'camera-on', onclick: () => void runCamera(steps) }, T('camera_on')),
    error ? errorBox(error, () => void startSession('')) : null,
  );
}

async function runCamera(steps: string[]): Promise<void> {
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch (e) {
    const name = (e as { name?: string }).name;
    return camera(name === 'NotAllowedError' ? 'camera_denied' : 'camera_missing');
  }
  const video = h('video', { id: 'preview', autoplay: true, muted: true, playsinline: true, 'aria-label': T('camera_preview') }) as HTMLVideoElement;
  video.srcObject = stream;
  const prompt = h('p', { id: 'pose', class: 'pose', 'aria-live': 'assertive' });
  const progress = h('progress', { max: String(steps.length), value: '0', 'aria-label': T('progress') }) as HTMLProgressElement;
  show('capture', h('h2', {}, T('camera_title')), video, prompt, progress);
  await video.play().catch(() => undefined);
  const frames: string[] = [];
  try {
    for (let i = 0; i < steps.length; i++) {
      prompt.textContent = T(poseKey(steps[i]!));
      prompt.dataset.turn = steps[i]!;
      await new Promise((r) => setTimeout(r, POSE_STEP_MS / 2));
      frames.push(await grab(video));
      progress.value = i + 1;
      await new Promise((r) => setTimeout(r, POSE_STEP_MS / 2));
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
  }
  prompt.textContent = T('sending_frames');
  try {
    const session = state.session!;
    state.identified = await api<IdentificationResult>('POST', `/v1/identification/sessions/${encodeURIComponent(session.session_id)}/face`, {
      frames_base64: frames,
      liveness_nonce: session.liveness_nonce,
    });
    frames.length = 0;
    await makeCredential();
  } catch (e) {
    const code = codeOf(e);
    if (code === 'session_invalid' || code === 'nonce_invalid' || code === 'already_identified' || code === 'locked_out') {
      return welcome(code);
    }
    // A fresh session (a new nonce and new turns) for the retry.
    camera(code);
  }
}

async function grab(video: HTMLVideoElement): Promise<string> {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  const url = canvas.toDataURL('image/jpeg', 0.92);
  return url.slice(url.indexOf(',') + 1);
}

// ---- 3. credential (RFC 9474 blind signature) ----------------------------------------------------------------

function crMode(): boolean {
  const policy = (state.election?.manifest as { policy?: { mode?: string } } | undefined)?.policy;
  return policy?.mode === 'coercion_resistant';
}

async function makeCredential(): Promise<void> {
  if (crMode()) return makeCrCredential();
  show('credential', h('h2', {}, T('identified')), h('p', { role: 'status' }, T('making_credential')));
  const election = state.election!;
  const styleId = state.identified!.style_id;
  const issuer = election.issuer_keys.find((k) => k.style_id === styleId);
  if (!issuer) throw new ShailooError('credential_invalid', 'no pinned issuer key for this ballot style');
  const key = { n: BigInt('0x' + issuer.modulus_hex), e: BigInt(issuer.public_exponent) };
  const pending = await requestCredential(election.election_id, styleId, key);
  const issued = await api<{ style_id: string; blind_signature: string }>('POST', '/v1/credentials', {
    session_id: state.identified!.session_id,
    blinded_message: toHex(pending.blindedMessage),
  });
  state.credential = await finalizeCredential(pending, key, fromHex(issued.blind_signature));
  state.definition = await api<BallotDefinition>('GET', `/v1/ballot-styles/${encodeURIComponent(styleId)}?lang=${state.lang}`);
  credentialReady();
}

// ---- 3b. coercion-resistant mode: a credential that can be faked (docs/spec/credentials.md) -------------------

function crKeys(): { K: ReturnType<typeof decodePoint>; B: Uint8Array } {
  const election = state.election!;
  return { K: decodePoint(fromHex(election.joint_public_key!, 33)), B: fromHex(election.election_base_hash!, 32) };
}

/** d stays in this page; the registrar's proof is checked under D = d·G before the credential is shown. */
async function makeCrCredential(): Promise<void> {
  show('credential', h('h2', {}, T('identified')), h('p', { role: 'status' }, T('making_credential')));
  const election = state.election!;
  const device = randomScalar();
  const reg = await api<{ style_id: string; position: number; credential_secret: string; roster_credential: string; proof: string }>('POST', '/v1/cr/credentials', {
    session_id: state.identified!.session_id,
    device_key: toHex(encodePoint(mulSecret(G, device))),
  });
  const real: CrCredential = {
    electionId: election.election_id,
    styleId: reg.style_id,
    position: reg.position,
    secret: decodeScalar(fromHex(reg.credential_secret, 32)),
    rosterCredential: ciphertextFromBytes(fromHex(reg.roster_credential, 66)),
    proof: rosterProofFromBytes(fromHex(reg.proof, 195)),
    deviceKey: mulSecret(G, device),
  };
  const { K, B } = crKeys();
  try {
    checkCrCredential(real, B, K, election.election_id);
  } catch (e) {
    // The registrar's proof fails: say so, keep nothing, offer no ballot.
    rerender = () => undefined;
    return show('error', errorBox(codeOf(e) === 'invalid_proof' ? 'registrar_proof_invalid' : codeOf(e)));
  }
  state.cr = { device, credentials: [real], chosen: 0, shown: null, realCode: crCheckCode(real.secret) };
  state.definition = await api<BallotDefinition>('GET', `/v1/ballot-styles/${encodeURIComponent(reg.style_id)}?lang=${state.lang}`);
  crCredentials();
}

/** Real and fakes are listed alike (code, export, vote); only the code shown at registration says which is real. */
function crCredentials(): void {
  rerender = crCredentials;
  const cr = state.cr!;
  const items = cr.credentials.map((c, i) => {
    const code = crCheckCode(c.secret);
    const item = h(
      'li',
      { 'data-code': code },
      h('p', {}, `${T('cr_code')}: `, h('span', { class: 'code' }, code)),
      h('button', { type: 'button', id: `cr-use-${i}`, onclick: () => { cr.chosen = i; void loadBallot(); } }, T('cr_use')),
      h('button', { type: 'button', id: `cr-export-${i}`, class: 'secondary', onclick: () => { cr.shown = i; crCredentials(); } }, T('cr_export')),
    );
    if (cr.shown === i) {
      const text = crCredentialToText(c);
      item.append(
        h('label', { for: `cr-text-${i}` }, T('cr_text_label')),
        h('textarea', { id: `cr-text-${i}`, readonly: true, rows: '4' }, text),
        h('figure', {}, qrSvg(text, T('cr_qr_label')), h('figcaption', {}, T('cr_qr_label'))),
      );
    }
    return item;
  });
  show(
    'cr-credentials',
    h('h2', {}, T('cr_title')),
    h('p', {}, T('cr_real_code')),
    h('p', { class: 'code', id: 'cr-real-code' }, cr.realCode),
    h('p', {}, T('cr_intro')),
    h('h3', {}, T('cr_list')),
    h('ol', { id: 'cr-list' }, ...items),
    h('button', { type: 'button', id: 'cr-make-fake', onclick: () => crMakeFake() }, T('cr_make_fake')),
  );
}

function crMakeFake(): void {
  const cr = state.cr!;
  const { K, B } = crKeys();
  const fake = fakeCrCredential(cr.credentials[0]!, B, K, cr.device);
  checkCrCredential(fake, B, K, state.election!.election_id); // the very check the real one passed
  cr.credentials.push(fake);
  cr.shown = cr.credentials.length - 1;
  crCredentials();
}

/** The contest numbers of the marks (§9) and the cr_ballot, cast with the chosen credential. */
async function castCr(): Promise<void> {
  const cr = state.cr!;
  const cred = cr.credentials[cr.chosen]!;
  show('casting', h('h2', {}, T('casting')), h('p', { role: 'status' }, T('encrypting')));
  try {
    const contests = (state.election!.manifest as { contests: ManifestContest[] }).contests;
    const choices: Record<string, [number, number]> = {};
    for (const c of state.definition!.contests) {
      const code = contestNumber(contests.find((x) => x.contest_id === c.contest_id)!);
      choices[c.contest_id] = [code.encode(state.marks.get(c.contest_id) ?? []), code.bits];
    }
    const { K, B } = crKeys();
    const payload = createCrBallot(B, K, cred.electionId, cred.styleId, cred.secret, choices);
    const receipt = await api<{ entry_index: number; ballot_hash: string }>('POST', '/v1/cr/ballots', payload);
    if (receipt.ballot_hash !== toHex(crBallotHash(payload))) throw new ShailooError('receipt_invalid', 'the receipt does not name this ballot');
    state.marks = new Map();
    rerender = () => undefined;
    show(
      'cr-receipt',
      h('h2', {}, T('cr_cast_done')),
      h('p', {}, `${T('cr_code')}: `, h('span', { class: 'code', id: 'cr-cast-code' }, crCheckCode(cred.secret))),
      h('p', {}, `${T('cr_entry')}: `, h('span', { class: 'code', id: 'cr-entry' }, String(receipt.entry_index))),
      h('button', { type: 'button', id: 'cr-back', onclick: () => crCredentials() }, T('cr_back')),
    );
  } catch (e) {
    show('error', errorBox(codeOf(e), () => void castCr()));
  }
}

function credentialReady(): void {
  rerender = credentialReady;
  show(
    'credential',
    h('h2', {}, T('identified')),
    h('p', {}, T('fingerprint')),
    h('p', { class: 'code', id: 'fingerprint' }, credentialFingerprint(state.credential!.publicKey, state.credential!.msgPrefix, state.credential!.registrarSignature)),
    h('button', { type: 'button', id: 'to-ballot', onclick: () => void loadBallot() }, T('to_ballot')),
  );
}

async function loadBallot(): Promise<void> {
  try {
    const styleId = state.cr ? state.cr.credentials[state.cr.chosen]!.styleId : state.credential!.styleId;
    state.definition = await api<BallotDefinition>('GET', `/v1/ballot-styles/${encodeURIComponent(styleId)}?lang=${state.lang}`);
  } catch {
    // Offline: keep the definition fetched when the credential was made.
  }
  ballot();
}

// ---- 4. the ballot ------------------------------------------------------------------------------------------

function contestField(contest: ContestText): HTMLElement {
  const id = (s: string): string => `c-${contest.contest_id}-${s}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const chosen = state.marks.get(contest.contest_id) ?? [];
  const legend = h('legend', {}, h('span', { class: 'contest-title' }, contest.title), h('span', { class: 'hint' }, contest.max_marks === 1 ? T('choose_one') : T('choose_up_to', { n: contest.max_marks })));
  const fieldset = h('fieldset', { class: 'contest', 'data-contest': contest.contest_id }, legend);
  if (contest.question) fieldset.append(h('p', {}, contest.question));
  if (contest.kind === 'party_list') {
    // One mark: a party alone, a party with one preferred candidate of its list, or "against all".
    const groups: { party: ContestText['selections'][number] | null; options: ContestText['selections'] }[] = [];
    for (const s of contest.selections) {
      if (s.kind === 'party_preference' && groups.length > 0) groups[groups.length - 1]!.options.push(s);
      else groups.push({ party: s, options: [] });
    }
    const current = chosen[0] ?? '';
    for (const g of groups) {
      const party = g.party!;
      const checked = current === party.selection_id || current.startsWith(party.selection_id + '#');
      const radio = h('input', { type: 'radio', name: id('r'), id: id(party.selection_id), value: party.selection_id, checked }) as HTMLInputElement;
      const row = h('div', { class: 'option' }, radio, h('label', { for: id(party.selection_id) }, party.label));
      if (g.options.length > 0) {
        const select = h('select', { id: id(party.selection_id + '-pref'), 'aria-label': `${T('preference')}: ${party.label}`, disabled: !checked }) as HTMLSelectElement;
        select.append(h('option', { value: '' }, T('no_preference')));
        for (const o of g.options) {
          const opt = h('option', { value: o.selection_id }, o.label) as HTMLOptionElement;
          opt.selected = current === o.selection_id;
          select.append(opt);
        }
        select.addEventListener('change', () => state.marks.set(contest.contest_id, [select.value || party.selection_id]));
        row.append(h('div', { class: 'preference' }, h('label', { for: select.id, class: 'hint' }, T('preference')), select));
      }
      radio.addEventListener('change', () => {
        state.marks.set(contest.contest_id, [party.selection_id]);
        fieldset.querySelectorAll('select').forEach((s) => {
          (s as HTMLSelectElement).disabled = s.id !== id(party.selection_id + '-pref');
          if ((s as HTMLSelectElement).disabled) (s as HTMLSelectElement).value = '';
        });
      });
      fieldset.append(row);
    }
    return fieldset;
  }
  const multiple = contest.max_marks > 1;
  for (const s of contest.selections) {
    const input = h('input', {
      type: multiple ? 'checkbox' : 'radio',
      name: id('r'),
      id: id(s.selection_id),
      value: s.selection_id,
      checked: chosen.includes(s.selection_id),
    }) as HTMLInputElement;
    input.addEventListener('change', () => {
      const boxes = [...fieldset.querySelectorAll('input:checked')] as HTMLInputElement[];
      if (multiple && boxes.length > contest.max_marks) input.checked = false;
      state.marks.set(contest.contest_id, ([...fieldset.querySelectorAll('input:checked')] as HTMLInputElement[]).map((b) => b.value));
    });
    fieldset.append(h('div', { class: 'option' }, input, h('label', { for: id(s.selection_id) }, s.label)));
  }
  return fieldset;
}

function ballot(error?: string): void {
  rerender = () => ballot(error);
  const def = state.definition!;
  show(
    'ballot',
    h('h2', {}, T('ballot')),
    h(
      'form',
      {
        onsubmit: (e: Event) => {
          e.preventDefault();
          const missing = def.contests.find((c) => (state.marks.get(c.contest_id) ?? []).length < c.min_marks);
          if (missing) {
            ballot('invalid_ballot');
            document.querySelector(`[data-contest="${CSS.escape(missing.contest_id)}"] input`)?.scrollIntoView();
            return;
          }
          review();
        },
      },
      ...def.contests.map(contestField),
      error ? errorBox(error) : null,
      h('button', { type: 'submit', id: 'review' }, T('review')),
    ),
  );
}

function label(contestId: string, selectionId: string): string {
  const c = state.definition!.contests.find((x) => x.contest_id === contestId);
  const s = c?.selections.find((x) => x.selection_id === selectionId);
  if (s && s.kind === 'party_preference') {
    const party = c!.selections.find((x) => x.selection_id === selectionId.split('#')[0]);
    return party && !s.label.startsWith(party.label) ? `${party.label} — ${s.label}` : s.label;
  }
  return s?.label ?? selectionId;
}

function choicesList(marks: Map<string, string[]>): HTMLElement {
  return h(
    'dl',
    { class: 'choices' },
    ...state.definition!.contests.flatMap((c) => [h('dt', {}, c.title), h('dd', {}, (marks.get(c.contest_id) ?? []).map((s) => label(c.contest_id, s)).join('; ') || '—')]),
  );
}

// ---- 5. review, encrypt ---------------------------------------------------------------------------------------

function review(): void {
  rerender = review;
  const cr = state.cr;
  show(
    'review',
    h('h2', {}, T('review_title')),
    choicesList(state.marks),
    cr ? h('p', {}, T('cr_voting_with'), ' ', h('span', { class: 'code', id: 'cr-voting-code' }, crCheckCode(cr.credentials[cr.chosen]!.secret))) : null,
    cr
      ? h('button', { type: 'button', id: 'cast', onclick: () => void castCr() }, T('cast'))
      : h('button', { type: 'button', id: 'encrypt', onclick: () => void encryptBallot() }, T('encrypt')),
    h('button', { type: 'button', class: 'secondary', onclick: () => ballot() }, T('change')),
  );
}

function vectors(): { contestId: string; selections: number[]; minMarks: number; maxMarks: number }[] {
  return state.definition!.contests.map((c) => {
    const marked = new Set(state.marks.get(c.contest_id) ?? []);
    return { contestId: c.contest_id, selections: c.selections.map((s) => (marked.has(s.selection_id) ? 1 : 0)), minMarks: c.min_marks, maxMarks: c.max_marks };
  });
}

async function encryptBallot(): Promise<void> {
  const progress = h('progress', { id: 'encrypt-progress', max: '1', value: '0', 'aria-label': T('progress') }) as HTMLProgressElement;
  show('encrypting', h('h2', {}, T('encrypting')), progress);
  const election = state.election!;
  const cred = state.credential!;
  const worker = new Worker('worker.js');
  try {
    const result = await new Promise<{ ballot: BallotJson; reveal: RevealJson }>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent) => {
        const msg = e.data as { type: string; done?: number; total?: number; ballot?: BallotJson; reveal?: RevealJson; code?: string };
        if (msg.type === 'progress') {
          progress.max = msg.total!;
          progress.value = msg.done!;
        } else if (msg.type === 'done') resolve({ ballot: msg.ballot!, reveal: msg.reveal! });
        else reject(new ShailooError((msg.code as never) ?? 'invalid_parameters', 'encryption failed'));
      };
      worker.onerror = () => reject(new ShailooError('invalid_parameters', 'the encryption worker failed'));
      worker.postMessage({
        electionId: election.election_id,
        styleId: cred.styleId,
        contests: vectors(),
        jointKeyHex: election.joint_public_key,
        baseHashHex: election.election_base_hash,
        credential: cred,
      });
    });
    state.prepared = result;
    castOrChallenge();
  } catch (e) {
    show('error', errorBox(codeOf(e), () => void encryptBallot()));
  } finally {
    worker.terminate();
  }
}

function castOrChallenge(error?: string): void {
  rerender = () => castOrChallenge(error);
  const prepared = state.prepared!;
  const delay = h('input', { type: 'checkbox', id: 'delay', checked: state.delay }) as HTMLInputElement;
  delay.addEventListener('change', () => (state.delay = delay.checked));
  show(
    'encrypted',
    h('h2', {}, T('encrypted')),
    h('p', { class: 'code', id: 'tracking-code' }, trackingCode(ballotHash(prepared.ballot))),
    h('p', {}, T('fingerprint'), ' ', h('span', { class: 'code' }, credentialFingerprint(state.credential!.publicKey, state.credential!.msgPrefix, state.credential!.registrarSignature))),
    h('p', {}, T('cast_or_challenge')),
    h('div', { class: 'option' }, delay, h('label', { for: 'delay' }, T('delay_choice'))),
    error ? errorBox(error) : null,
    h('button', { type: 'button', id: 'cast', onclick: () => void cast() }, T('cast')),
    // Once a cast was tried, the nonces are gone: this ballot can be sent again, never opened.
    state.election!.challenge_allowed && prepared.reveal ? h('button', { type: 'button', id: 'challenge', class: 'secondary', onclick: () => void challenge() }, T('challenge')) : null,
  );
}

// ---- 6. challenge (cast-or-spoil) -------------------------------------------------------------------------------

async function challenge(): Promise<void> {
  const prepared = state.prepared!;
  const reveal = prepared.reveal!;
  try {
    const receipt = await api<Receipt>('POST', '/v1/challenges', { ballot: prepared.ballot, reveal });
    checkReceipt(receipt, prepared.ballot, 'spoiled_ballot', { ballot: prepared.ballot, reveal });
    // Open the published ballot here, with the nonces, and compare with the voter's marks.
    const opened = openSpoiled(prepared.ballot, reveal, decodePoint(fromHex(state.election!.joint_public_key!, 33)));
    const marks = new Map<string, string[]>();
    for (const c of state.definition!.contests) {
      const vector = opened.get(c.contest_id) ?? [];
      marks.set(c.contest_id, c.selections.filter((_, i) => vector[i] === 1).map((s) => s.selection_id));
    }
    const same = [...marks].every(([c, s]) => [...s].sort().join() === [...(state.marks.get(c) ?? [])].sort().join());
    if (!same) throw new ShailooError('spoil_mismatch', 'the opened ballot differs from the marks');
    state.prepared = undefined;
    rerender = () => undefined;
    show(
      'challenged',
      h('h2', {}, T('challenged')),
      choicesList(marks),
      h('p', {}, T('tracking_code'), ': ', h('span', { class: 'code', id: 'challenged-code' }, receipt.tracking_code)),
      h('button', { type: 'button', id: 'again', onclick: () => review() }, T('vote_again')),
    );
  } catch (e) {
    castOrChallenge(codeOf(e));
  }
}

/**
 * The receipt names this ballot (hash, tracking code, credential fingerprint), and the board's signed promise —
 * under the board key pinned from /v1/election — commits to the entry that holds exactly this payload at its index.
 */
function checkReceipt(receipt: Receipt, ballot: BallotJson, kind: 'ballot' | 'spoiled_ballot', payload: unknown): void {
  const hash = ballotHash(ballot);
  if (receipt.ballot_hash !== toHex(hash) || receipt.tracking_code !== trackingCode(hash) || receipt.credential_fingerprint !== credentialFingerprint(fromHex(ballot.credential.public_key, 32), fromHex(ballot.credential.msg_prefix, 32), fromHex(ballot.credential.registrar_signature))) {
    throw new ShailooError('receipt_invalid', 'the receipt does not name this ballot');
  }
  const promise = verifyPromise(receipt.promise, fromHex(state.election!.board_public_key, 32));
  if (promise.index !== receipt.entry_index || !equalBytes(promise.entryHash, entryHash(promise.index, kind, payload)) || receipt.entry_hash !== toHex(promise.entryHash)) {
    throw new ShailooError('receipt_invalid', 'the board did not promise this ballot');
  }
}

/** Once a signed tree head covers the ballot, check its inclusion proof here (RFC 9162) and say so. */
async function watchInclusion(receipt: Receipt, out: HTMLElement): Promise<void> {
  for (let attempt = 0; attempt < 40 && out.isConnected; attempt++) {
    try {
      const status = await api<{ tree_head: string | null; inclusion_proof: { index: number; tree_size: number; hashes: string[] } | null; entry_hash: string; entry_index: number }>(
        'GET',
        `/v1/receipts/${encodeURIComponent(receipt.tracking_code)}`,
      );
      if (status.tree_head && status.inclusion_proof) {
        const head = verifyTreeHead(status.tree_head, fromHex(state.election!.board_public_key, 32));
        if (status.inclusion_proof.index !== receipt.entry_index || status.inclusion_proof.tree_size !== head.size || status.entry_hash !== receipt.entry_hash) {
          throw new ShailooError('receipt_invalid', 'the proof is for another entry or tree');
        }
        verifyInclusion(status.inclusion_proof, fromHex(receipt.entry_hash, 32), head.rootHash);
        out.textContent = T('included', { size: head.size });
        out.dataset.state = 'ok';
        return;
      }
    } catch (e) {
      if (codeOf(e) === 'receipt_invalid') {
        out.textContent = errorText(state.lang, 'receipt_invalid');
        out.dataset.state = 'bad';
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
  }
}

// ---- 7. cast and receipt ------------------------------------------------------------------------------------------

async function cast(): Promise<void> {
  const prepared = state.prepared!;
  // The nonces open the ballot: drop them before it leaves the phone, whatever the answer.
  if (prepared.reveal) {
    for (const c of prepared.reveal.contests) c.nonces.fill('');
    prepared.reveal = null;
  }
  show('casting', h('h2', {}, T('casting')), h('p', { role: 'status' }, T('secrets_erased')));
  if (state.delay) await new Promise((r) => setTimeout(r, 500 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 2500)));
  try {
    const receipt = await api<Receipt>('POST', '/v1/ballots', { ballot: prepared.ballot });
    checkReceipt(receipt, prepared.ballot, 'ballot', prepared.ballot);
    state.receipt = receipt;
    if (!state.election!.revoting_allowed) {
      state.credential!.secretKey.fill(0);
    }
    state.marks = new Map();
    receiptScreen();
  } catch (e) {
    castOrChallenge(codeOf(e));
  }
}

function qrSvg(text: string, name: string): SVGSVGElement {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `-4 -4 ${n + 8} ${n + 8}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', name);
  svg.setAttribute('class', 'qr');
  const bg = document.createElementNS(ns, 'rect');
  bg.setAttribute('x', '-4');
  bg.setAttribute('y', '-4');
  bg.setAttribute('width', String(n + 8));
  bg.setAttribute('height', String(n + 8));
  bg.setAttribute('fill', '#fff');
  svg.append(bg);
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c} ${r}h1v1h-1z`;
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(path);
  return svg;
}

function receiptScreen(): void {
  rerender = receiptScreen;
  const receipt = state.receipt!;
  const url = `${location.origin}/observe/track?lang=${state.lang}&code=${encodeURIComponent(receipt.tracking_code)}`;
  const inclusion = h('p', { id: 'inclusion', role: 'status', 'data-state': 'waiting' }, T('inclusion_waiting'));
  show(
    'receipt',
    h('h2', {}, T('thanks')),
    h('p', {}, T('on_board')),
    inclusion,
    h('p', {}, T('tracking_code'), ': ', h('span', { class: 'code', id: 'receipt-code' }, receipt.tracking_code)),
    h('p', {}, T('fingerprint'), ': ', h('span', { class: 'code', id: 'receipt-fingerprint' }, receipt.credential_fingerprint)),
    h('figure', {}, qrSvg(url, T('qr_label')), h('figcaption', {}, T('qr_label'))),
    h('p', {}, h('a', { href: url, id: 'tracking-link' }, T('open_tracking'))),
    state.election!.revoting_allowed ? h('button', { type: 'button', id: 'revote', class: 'secondary', onclick: () => ballot() }, T('vote_again')) : null,
    h('button', { type: 'button', onclick: () => finish() }, T('finish')),
  );
  void watchInclusion(receipt, inclusion);
}

function finish(): void {
  if (state.credential) state.credential.secretKey.fill(0);
  state.credential = undefined;
  state.receipt = undefined;
  restart();
}

// ---- start ---------------------------------------------------------------------------------------------------

window.addEventListener('online', renderChrome);
window.addEventListener('offline', renderChrome);
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => undefined);
}
renderChrome();
welcome();
