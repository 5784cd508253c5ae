// The chat page: sends messages and draws the session's agent events as they stream in (SSE).
// The server renders the history; events after it (data-after) arrive here, each with its seq as the SSE id,
// so a reconnect (EventSource sends Last-Event-ID) resumes without gaps or repeats; where the server has not got
// them any more, a snapshot event stands for them and the chat is drawn again in place.
(function () {
  const chat = document.getElementById('chat');
  const form = document.getElementById('composer');
  const input = document.getElementById('text');
  const send = document.getElementById('send');
  const stop = document.getElementById('stop');
  const status = document.getElementById('status');
  const session = chat.dataset.session;
  let lastSeq = Number(chat.dataset.after);
  // every write carries the page's CSRF token (the same as the cookie's: a page of another site cannot know it)
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function turnBox(turnId) {
    let box = chat.querySelector(`.turn[data-turn-id="${turnId}"]`);
    if (!box) {
      box = document.createElement('div');
      box.className = 'turn';
      box.dataset.turnId = turnId;
      chat.appendChild(box);
    }
    return box;
  }

  function bubble(box, kind, text, testId) {
    const div = document.createElement('div');
    div.className = `msg ${kind}`;
    div.dataset.testid = testId;
    div.textContent = text;
    box.appendChild(div);
    return div;
  }

  // the answer being streamed in this turn: the last assistant bubble after the last tool call
  function streamingBubble(box) {
    const last = box.lastElementChild;
    if (last && last.classList.contains('assistant') && last.classList.contains('streaming')) return last;
    const div = bubble(box, 'assistant streaming', '', 'assistant-message');
    return div;
  }

  // a tool call's card (name, arguments, then its result); made with class "new" when there is none yet
  function toolCard(box, e) {
    let div = box.querySelector(`.tool[data-call-id="${e.callId}"]`);
    if (div) return div;
    div = document.createElement('div');
    div.className = 'tool new';
    div.dataset.callId = e.callId;
    div.dataset.testid = 'tool-call';
    div.innerHTML = '<span class="tool-name"></span> <code class="tool-args"></code> <span class="tool-result"></span>';
    div.querySelector('.tool-name').textContent = e.toolName;
    div.querySelector('.tool-args').textContent = e.arguments;
    box.appendChild(div);
    return div;
  }

  function decideButtons() {
    const span = document.createElement('span');
    span.className = 'decide';
    span.dataset.testid = 'approval';
    span.innerHTML = '<button type="button" class="approve" data-testid="approve">Approve</button> '
      + '<button type="button" class="deny" data-testid="deny">Deny</button>';
    return span;
  }

  // Approve / Deny on a waiting tool call: the turn goes on when its step's calls are all decided
  chat.addEventListener('click', async ev => {
    const button = ev.target.closest('.decide button');
    if (!button) return;
    const card = button.closest('.tool.approval');
    const decision = button.classList.contains('approve') ? 'approve' : 'deny';
    card.querySelectorAll('.decide button').forEach(b => { b.disabled = true; });
    const res = await fetch(`/approvals/${card.dataset.approvalId}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': csrf },
      body: JSON.stringify({ decision }),
    }).catch(err => ({ status: 0, json: async () => ({ detail: String(err) }) }));
    if (res.status === 200) {
      card.querySelector('.decide').textContent = decision === 'approve' ? 'approved' : 'denied';
    } else {
      const problem = await res.json().catch(() => ({}));
      status.textContent = `Not decided: ${problem.detail || res.status}`;
      card.querySelectorAll('.decide button').forEach(b => { b.disabled = false; });
    }
  });

  function scroll() { chat.lastElementChild?.scrollIntoView({ block: 'nearest' }); }

  const handlers = {
    turn_started(e) {
      const box = turnBox(e.turnId);
      if (!box.querySelector('.msg.user')) bubble(box, 'user', e.userText, 'user-message');
      busy(true, 'Thinking…');
    },
    turn_resumed(e) {
      // the turn's runner stopped and another took over from the last committed step: what streamed since then
      // (text of an unfinished answer, tools without a result) is void and comes again
      turnBox(e.turnId).querySelectorAll('.msg.assistant.streaming, .tool.running').forEach(el => el.remove());
      busy(true, 'Resumed after an interruption…');
    },
    token(e) {
      const b = streamingBubble(turnBox(e.turnId));
      b.textContent += e.text;
    },
    tool_call_started(e) {
      const div = toolCard(turnBox(e.turnId), e);
      if (div.classList.contains('approval')) { // decided: it runs (approved) or is answered (denied)
        div.classList.remove('approval');
        div.querySelector('.decide')?.remove();
      } else if (!div.classList.contains('new')) {
        return;
      }
      div.classList.remove('new');
      div.classList.add('running');
      busy(true, `Running ${e.toolName}…`);
    },
    approval_requested(e) {
      const div = toolCard(turnBox(e.turnId), e);
      div.classList.remove('new', 'running');
      div.classList.add('approval');
      div.dataset.approvalId = e.approvalId;
      if (!div.querySelector('.decide')) div.appendChild(decideButtons());
      busy(true, `Waiting for an operator to approve ${e.toolName}…`);
    },
    tool_call_finished(e) {
      const div = turnBox(e.turnId).querySelector(`.tool[data-call-id="${e.callId}"]`);
      if (!div) return;
      div.classList.remove('running');
      div.classList.add(e.error ? 'failed' : 'done');
      div.querySelector('.tool-result').textContent = e.result;
    },
    turn_completed(e) {
      const box = turnBox(e.turnId);
      box.querySelectorAll('.decide').forEach(d => d.remove());
      const b = streamingBubble(box);
      b.textContent = e.text; // the persisted answer is the truth
      b.classList.remove('streaming');
      busy(false, '');
    },
    async snapshot() {
      // the stream's server did not have every event since this page's last one (a runtime replica restarted, or
      // started after them): draw the chat again from the session as committed, in place (what is typed stays);
      // events that come meanwhile wait, and those the new drawing has not got are drawn after it
      held = [];
      try {
        const res = await fetch(location.pathname, { headers: { Accept: 'text/html' } });
        if (!res.ok) throw new Error(`${res.status}`);
        const drawn = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('chat');
        chat.replaceChildren(...drawn.childNodes);
        lastSeq = Math.max(lastSeq, Number(drawn.dataset.after));
      } catch (err) {
        location.reload();
        return;
      }
      busyAsDrawn();
      scroll();
      const waiting = held;
      held = null;
      waiting.forEach(([name, msg]) => {
        try {
          receive(name, msg);
        } catch (err) { // one event the page cannot draw does not lose the others
          console.error(err);
        }
      });
    },
    turn_failed(e) {
      const box = turnBox(e.turnId);
      box.querySelectorAll('.decide').forEach(d => d.remove()); // a cancelled turn's approvals are void
      box.querySelectorAll('.streaming').forEach(b => b.classList.remove('streaming'));
      bubble(box, 'error', `${e.code}: ${e.reason}`, 'turn-error');
      busy(false, e.code === 'cancelled' ? 'Stopped; you can send another message.'
        : 'The turn failed; you can send another message.');
    },
  };

  function busy(on, text) {
    // an agent whose onBusy is "interrupt" takes a new message at any time: it stops the running turn
    send.disabled = on && chat.dataset.onBusy !== 'interrupt';
    stop.hidden = !on;
    status.textContent = text;
  }

  // Stop: the turn's model call is closed upstream and its tools cancelled; it ends with turn_failed "cancelled"
  stop.addEventListener('click', async () => {
    stop.disabled = true;
    try {
      const res = await fetch(`/sessions/${session}/cancel`,
        { method: 'POST', headers: { 'X-CSRF-TOKEN': csrf } });
      if (res.status !== 202 && res.status !== 409) status.textContent = `Could not stop: ${res.status}`;
    } finally {
      stop.disabled = false;
    }
  });

  // a chat drawn by the server while a turn runs or waits for an approval shows it busy
  function busyAsDrawn() {
    if (chat.querySelector('.tool.approval')) busy(true, 'Waiting for an operator to approve a tool call…');
    else if (chat.querySelector('.turn[data-status="running"], .turn[data-status="pending"]')) busy(true, 'Thinking…');
    else busy(false, '');
  }
  busyAsDrawn();

  let held = null; // events that came while the chat is drawn again (after a snapshot)
  function receive(name, msg) {
    const seq = Number(msg.lastEventId);
    // already drawn; a snapshot may have the id of the last event seen (nothing committed since) and still stands for
    // events after it that this page never got
    if (seq < lastSeq || (seq === lastSeq && name !== 'snapshot')) return;
    if (held) {
      held.push([name, msg]);
      return;
    }
    lastSeq = seq;
    handlers[name](JSON.parse(msg.data));
    if (name !== 'token' && window.switchboardTraceChanged) window.switchboardTraceChanged();
    scroll();
  }

  const stream = new EventSource(`/sessions/${session}/stream?after=${lastSeq}`);
  Object.keys(handlers).forEach(name => stream.addEventListener(name, msg => receive(name, msg)));
  stream.onerror = () => {
    status.textContent = 'Reconnecting…';
    // a browser gives a stream up for good when a reconnect is answered with an error: draw the page again shortly
    if (stream.readyState === EventSource.CLOSED) setTimeout(() => location.reload(), 5000);
  };
  stream.onopen = () => { if (status.textContent === 'Reconnecting…') status.textContent = ''; };

  // a message sent again after it seemed not to go (an error, a timeout) keeps its key: the runtime takes it once
  let unsent = null; // {text, key}
  const keyFor = text => {
    if (!unsent || unsent.text !== text) {
      const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
      unsent = { text, key: Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('') };
    }
    return unsent.key;
  };

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    busy(true, 'Sending…');
    try {
      const res = await fetch(`/sessions/${session}/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': csrf, 'Idempotency-Key': keyFor(text) },
        body: JSON.stringify({ text }),
      });
      if (res.status !== 202 && res.status !== 200) {
        const problem = await res.json().catch(() => ({}));
        busy(false, `Not sent: ${problem.detail || res.status}`);
        return;
      }
      unsent = null;
      input.value = '';
    } catch (err) {
      busy(false, `Not sent: ${err}`);
    }
  });
  input.addEventListener('keydown', ev => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
})();
