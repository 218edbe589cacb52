// Keyboard-first grading of one item. Decisions go to the JSON routes with the
// session's CSRF token; the picture stays blurred until R, and the next item starts
// blurred again (it is a new page).
(function () {
  "use strict";
  const root = document.getElementById("item");
  if (!root) return;
  const id = root.dataset.id;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("status");

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || "notice";
  }

  async function call(method, path, body) {
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (resp.status === 401) {
      window.location.href = "/ui/login?expired=1";
      return null;
    }
    if (resp.status === 204) return { empty: true };
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      say((data && data.error && data.error.message) || "error " + resp.status, "error");
      return null;
    }
    return data;
  }

  const SETTLED = ["confirmed", "rejected"];

  function settled() { return SETTLED.indexOf(root.dataset.state) >= 0; }

  function show(item) {
    document.getElementById("state").textContent = item.state;
    document.getElementById("state").className = "state " + item.state;
    root.dataset.state = item.state;
    root.dataset.mine = item.claimed_by_me ? "yes" : "no";
    const done = settled();
    document.getElementById("keys").hidden = done;
    document.getElementById("settled-keys").hidden = !done;
    const outcome = document.getElementById("outcome");
    outcome.hidden = !done;
    if (done) {
      let text = "Settled: " + item.state;
      if (item.state === "confirmed" && item.category) text += ", category " + item.category;
      if (item.state === "rejected") text += " (not illegal)";
      outcome.textContent = text + ".";
    }
  }

  // The day's counters (items, reveals, minutes) as the server has them now.
  async function refreshExposure() {
    const resp = await fetch("/v1/review/exposure/me", { credentials: "same-origin" });
    if (!resp.ok) return;
    const mine = await resp.json();
    const counters = document.querySelectorAll("#exposure b");
    if (counters.length >= 3) {
      counters[0].textContent = mine.items;
      counters[1].textContent = mine.reveals;
      counters[2].textContent = mine.minutes;
    }
  }

  async function decide(decision) {
    if (settled()) return;
    const item = await call("POST", "/v1/review/items/" + id + "/decisions", { decision: decision });
    if (!item) return;
    show(item);
    refreshExposure();
    if (decision === "skip") say("Skipped. Press N for the next item.");
    else say("Decided: " + decision + ". U undoes it within " + root.dataset.undo + " s; N for the next item.");
  }

  async function reveal() {
    const img = document.getElementById("media");
    const url = "/v1/review/items/" + id + "/media?reveal=true";
    if (img) {
      // the counter moves once the server has served (and counted) the reveal
      img.addEventListener("load", refreshExposure, { once: true });
      img.src = url;
      img.alt = "revealed preview";
      img.removeAttribute("width");
      img.removeAttribute("height");
      img.classList.add("revealed");
    } else {
      const resp = await fetch(url, { credentials: "same-origin" });
      if (!resp.ok) { say("could not reveal (" + resp.status + ")", "error"); return; }
      const text = document.getElementById("text");
      text.textContent = await resp.text();
      text.className = "revealed-text";
      await refreshExposure();
    }
    say("Revealed for this item only (logged).");
  }

  async function undo() {
    const item = await call("POST", "/v1/review/items/" + id + "/undo");
    if (!item) return;
    show(item);
    say("Decision undone: grade it again.");
  }

  async function claim() {
    if (settled()) return;
    const item = await call("POST", "/v1/review/items/" + id + "/claim");
    if (!item) return;
    show(item);
    say("You hold this item.");
  }

  async function next() {
    const item = await call("POST", "/v1/review/next");
    if (!item) return;
    if (item.empty) window.location.href = "/ui/queue?empty=1";
    else window.location.href = "/ui/items/" + item.id;
  }

  const actions = { r: reveal, u: undo, n: next, c: claim };
  function press(key) {
    if (actions[key]) return actions[key]();
    const button = root.querySelector('button[data-key="' + key + '"][data-decision]');
    if (button) return decide(button.dataset.decision);
  }

  const addForm = document.getElementById("add-to-list");
  if (addForm) {
    addForm.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const name = document.getElementById("list-name").value;
      const item = await call("POST", "/v1/review/items/" + id + "/list", { list: name });
      if (item) say("Added to list " + item.listed_in + " with provenance.");
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    const key = ev.key.toLowerCase();
    if (key.length !== 1) return;
    ev.preventDefault();
    press(key);
  });
  root.querySelectorAll("button[data-key]").forEach(function (button) {
    button.addEventListener("click", function () { press(button.dataset.key); });
  });
})();
