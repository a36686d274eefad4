// The voter cabinet's face step (docs/cabinet.md): personal number → POST /v1/cabinet/identification → the camera,
// one frame looking straight and one per head turn the server asked for, each in the middle of a POSE_STEP_MS step
// (as the voter app does, web/app/src/main.ts) → POST …/face → her application, or the form to apply
// (POST /v1/cabinet/applications with the identified session). Every text comes from the page (#texts).
'use strict';
(() => {
  const POSE_STEP_MS = 2000;
  const $ = (id) => document.getElementById(id);
  const text = (key) => {
    const node = document.querySelector(`#texts [data-key="${key}"]`);
    return node ? node.textContent : key;
  };
  const state = { session: null, identified: null };

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ code: 'server_error' }));
    if (!response.ok) throw Object.assign(new Error(data.message || 'error'), { code: data.code || 'error' });
    return data;
  }

  function showError(code) {
    const box = $('error');
    const known = document.querySelector(`#texts [data-key="error_${code}"]`);
    box.textContent = `${text('error')}: ${known ? known.textContent : text('error_generic')} (${code})`;
    box.dataset.code = code;
    box.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    delete $('error').dataset.code;
  }

  function show(step) {
    for (const id of ['step-camera', 'step-apply', 'step-status']) $(id).hidden = id !== step;
  }

  function poseKey(turn) {
    return turn === 'left' ? 'turn_left' : turn === 'right' ? 'turn_right' : 'turn_center';
  }

  async function start(event) {
    event.preventDefault();
    clearError();
    const pin = $('pin').value.trim();
    try {
      state.session = await api('POST', '/v1/cabinet/identification', { national_id: pin });
    } catch (e) {
      return showError(e.code);
    }
    const list = $('turns');
    list.replaceChildren();
    for (const turn of ['center', ...state.session.liveness_turns]) {
      const item = document.createElement('li');
      item.dataset.turn = turn;
      item.textContent = text(poseKey(turn));
      list.append(item);
    }
    show('step-camera');
    $('camera-on').focus();
  }

  async function grab(video) {
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    const url = canvas.toDataURL('image/jpeg', 0.92);
    return url.slice(url.indexOf(',') + 1);
  }

  async function runCamera() {
    clearError();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (e) {
      return showError('camera');
    }
    const video = $('preview');
    const prompt = $('pose');
    prompt.className = 'pose';
    video.srcObject = stream;
    video.hidden = false;
    $('camera-on').hidden = true;
    await video.play().catch(() => undefined);
    const frames = [];
    const steps = ['center', ...state.session.liveness_turns];
    try {
      for (const turn of steps) {
        prompt.textContent = text(poseKey(turn));
        prompt.dataset.turn = turn;
        await new Promise((r) => setTimeout(r, POSE_STEP_MS / 2));
        frames.push(await grab(video));
        await new Promise((r) => setTimeout(r, POSE_STEP_MS / 2));
      }
    } finally {
      stream.getTracks().forEach((track) => track.stop());
      video.hidden = true;
    }
    prompt.textContent = text('sending');
    delete prompt.dataset.turn;
    const session = state.session;
    state.session = null;  // a session is good for one submission only
    try {
      state.identified = await api('POST', `/v1/cabinet/identification/${encodeURIComponent(session.session_id)}/face`, {
        frames_base64: frames,
        liveness_nonce: session.liveness_nonce,
      });
    } catch (e) {
      prompt.textContent = '';
      $('camera-on').hidden = false;
      show(null);
      return showError(e.code);
    }
    // Identified: her personal number leaves the screen; the session id is what applies from now on.
    $('pin').value = '';
    $('number-form').hidden = true;
    if (state.identified.application) return showApplication(state.identified.application);
    show('step-apply');
    $('apply').focus();
  }

  function showApplication(found) {
    $('application-code').textContent = found.application_code;
    const rows = [
      ['status', text(found.status)],
      ['destination', text(found.destination)],
      ['precinct_id', found.precinct_id || '—'],
      ['channel', found.identification_channel ? text(found.identification_channel) : text('paper')],
    ];
    const body = $('status').tBodies[0];
    body.replaceChildren();
    for (const [key, value] of rows) {
      const row = body.insertRow();
      const head = document.createElement('th');
      head.scope = 'row';
      head.textContent = text(key);
      row.append(head);
      row.insertCell().textContent = value;
    }
    show('step-status');
  }

  async function apply(event) {
    event.preventDefault();
    clearError();
    const destination = document.querySelector('input[name=destination]:checked').value;
    const body = {
      session_id: state.identified.session_id,
      destination,
      precinct_id: destination === 'app' ? null : $('precinct').value,
    };
    try {
      showApplication(await api('POST', '/v1/cabinet/applications', body));
    } catch (e) {
      showError(e.code);
    }
  }

  $('number-form').addEventListener('submit', (e) => void start(e));
  $('camera-on').addEventListener('click', () => void runCamera());
  $('apply-form').addEventListener('submit', (e) => void apply(e));
})();
