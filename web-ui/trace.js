// The debugger's trace panel beside the chat: the session's trace tree (turns, model calls, tool calls) with a timing
// waterfall, drawn by the server and drawn again as the turn goes on (the chat's events say when); a model call opens
// what it was sent and answered, and the playground replays it against another model or system prompt.
(function () {
  const panel = document.getElementById('trace');
  if (!panel) return;
  const detail = document.getElementById('call');
  const session = document.getElementById('chat').dataset.session;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let timers = [];
  let asked = 0;

  async function load() {
    const mine = ++asked;
    const res = await fetch(`/sessions/${session}/trace`).catch(() => null);
    const html = res && res.ok ? await res.text() : null;
    if (html !== null && mine === asked) panel.innerHTML = html; // an older answer never replaces a newer one
  }

  // a model call's request id is "<turn>/<round>": each part encoded, the slash kept
  function callPath(requestId) {
    return `/sessions/${session}/calls/${requestId.split('/').map(encodeURIComponent).join('/')}`;
  }

  // spans reach the store a moment after they end: draw now, and again shortly after
  window.switchboardTraceChanged = function () {
    timers.forEach(clearTimeout);
    timers = [300, 1200, 3000].map(ms => setTimeout(load, ms));
  };

  async function open(requestId) {
    const res = await fetch(callPath(requestId));
    detail.innerHTML = res.ok ? await res.text() : `<p class="error">${res.status}: could not open the call</p>`;
    detail.scrollIntoView({ block: 'nearest' });
  }

  panel.addEventListener('click', ev => {
    const row = ev.target.closest('.span-row[data-request-id]');
    if (row) open(row.dataset.requestId);
  });
  panel.addEventListener('keydown', ev => {
    const row = ev.target.closest('.span-row[data-request-id]');
    if (row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); open(row.dataset.requestId); }
  });

  function line(label, value) {
    const p = document.createElement('p');
    p.className = 'meta';
    p.textContent = `${label}: ${value}`;
    return p;
  }

  detail.addEventListener('submit', async ev => {
    const form = ev.target.closest('form.replay');
    if (!form) return;
    ev.preventDefault();
    const call = form.closest('.call-detail').dataset.requestId;
    const out = form.parentElement.querySelector('.replay-answer');
    const button = form.querySelector('button');
    button.disabled = true;
    out.textContent = 'Asking…';
    try {
      const res = await fetch(`${callPath(call)}/replay`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': csrf },
        body: JSON.stringify({ model: form.model.value, systemPrompt: form.systemPrompt.value }),
      });
      const answer = await res.json().catch(() => ({}));
      out.textContent = '';
      if (!res.ok) {
        out.appendChild(line('Not replayed', answer.detail || res.status));
        return;
      }
      const text = document.createElement('div');
      text.className = 'sent assistant';
      text.dataset.testid = 'replay-text';
      text.textContent = answer.error ? `error: ${answer.error}` : answer.text;
      out.appendChild(line('Model', answer.model));
      out.appendChild(text);
      if (answer.toolCalls && answer.toolCalls.length) {
        out.appendChild(line('Would call', answer.toolCalls.map(c => `${c.name} ${c.arguments}`).join(', ')));
      }
      out.appendChild(line('Usage', `${answer.inputTokens} → ${answer.outputTokens} tokens · `
        + `${answer.costUsd == null ? 'unpriced' : '$' + answer.costUsd} · ${answer.latencyMs} ms (not stored in the session)`));
    } catch (err) {
      out.textContent = `Not replayed: ${err}`;
    } finally {
      button.disabled = false;
    }
  });

  load();
})();
