// Assistant chat: one websocket per conversation; renders the agent's JSON events as they stream.
(function () {
  "use strict";
  const start = document.getElementById("chat-start");
  if (start) {  // no conversation yet: Enter sends the first question (the server creates the conversation)
    const first = start.querySelector("textarea");
    first.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); start.requestSubmit(); }
    });
  }
  const form = document.getElementById("chat-form");
  if (!form) return;
  const log = document.getElementById("chat-log");
  const input = document.getElementById("chat-input");
  const send = document.getElementById("chat-send");
  const stop = document.getElementById("chat-stop");
  const status = document.getElementById("chat-status");
  const maxChars = parseInt(form.dataset.max || "4000", 10);
  let ws = null;
  let current = null; // {el, text, tools, cites}
  let busy = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function setBusy(b) { busy = b; send.disabled = b; stop.hidden = !b; }
  function clearEmpty() { const e = document.getElementById("chat-empty"); if (e) e.remove(); }

  function bubble(role) {
    clearEmpty();
    const box = el("div", "msg msg-" + role);
    const tools = el("div", "tools");
    const text = el("div", "text");
    box.append(tools, text);
    log.append(box);
    scroll();
    return { el: box, text: text, tools: tools };
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + form.dataset.wsPath);
    ws.onopen = () => { status.textContent = ""; };
    ws.onclose = () => {
      if (busy && current) flag(current, "Connection lost — partial answer kept.");
      setBusy(false);
      status.textContent = "Disconnected — reconnecting…";
      setTimeout(connect, 1500);
    };
    ws.onmessage = (msg) => handle(JSON.parse(msg.data));
  }

  // employee ids in answers link to the technician (same pattern as assistant/templatetags/assistant_links.py)
  function linkIds(node) {
    const text = node.textContent;
    const re = /\b(E\d{3,})\b/g;
    if (!re.test(text)) return;
    re.lastIndex = 0;
    node.textContent = "";
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      node.append(document.createTextNode(text.slice(last, m.index)));
      const a = el("a", "", m[1]);
      a.href = "/technicians/" + m[1] + "/";
      node.append(a);
      last = m.index + m[1].length;
    }
    node.append(document.createTextNode(text.slice(last)));
  }

  function ask(text) {
    const link = document.querySelector(".conv-list li.current a");
    const title = document.querySelector(".rename-form input[name=title]");
    if (link && link.textContent.trim() === "New conversation") {
      const t = text.length > 80 ? text.slice(0, 80) + "…" : text;
      link.textContent = t;
      if (title) title.value = t;
    }
    const mine = bubble("user");
    mine.text.textContent = text;
    input.value = "";
    setBusy(true);
    ws.send(JSON.stringify({ type: "ask", message: text }));
  }

  function flag(target, text) {
    target.el.classList.add("msg-partial");
    target.el.append(el("div", "msg-flag", text));
  }

  function handle(ev) {
    switch (ev.type) {
      case "ready": {
        document.body.dataset.assistantReady = "1";
        const params = new URLSearchParams(location.search);
        const pending = params.get("ask");
        if (pending && !busy) {  // the first question, typed before the conversation existed
          history.replaceState(null, "", location.pathname);
          ask(pending.slice(0, maxChars));
        }
        break;
      }
      case "start":
        current = bubble("assistant");
        current.el.dataset.messageId = ev.message_id;
        break;
      case "delta":
        if (!current) current = bubble("assistant");
        current.text.append(document.createTextNode(ev.text));
        scroll();
        break;
      case "tool":
        if (!current) current = bubble("assistant");
        current.tools.append(el("span", "tool-chip" + (ev.ok ? "" : " failed"), ev.label));
        break;
      case "citations":
        if (current) {
          const c = el("div", "cites", "Sources: ");
          ev.documents.forEach((d) => {
            const a = el("a", "cite", d.title);
            a.href = "/assistant/documents/" + d.id + "/";
            c.append(a);
          });
          current.el.append(c);
        }
        break;
      case "error":
        if (current) flag(current, ev.message);
        else { const b = bubble("assistant"); flag(b, ev.message); }
        break;
      case "done":
        if (current) {
          linkIds(current.text);
          current.el.classList.add("done");
          current.el.dataset.status = ev.status;
        }
        current = null;
        setBusy(false);
        break;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = "Type a question first."; return; }
    if (text.length > maxChars) { status.textContent = "Too long (max " + maxChars + " characters)."; return; }
    if (!ws || ws.readyState !== WebSocket.OPEN) { status.textContent = "Not connected yet — try again in a moment."; return; }
    ask(text);
  });
  log.addEventListener("click", (e) => {
    const b = e.target.closest("[data-suggest]");
    if (!b) return;
    input.value = b.dataset.suggest;
    form.requestSubmit();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  stop.addEventListener("click", () => { if (ws) ws.send(JSON.stringify({ type: "cancel" })); });
  connect();
  scroll();
})();
