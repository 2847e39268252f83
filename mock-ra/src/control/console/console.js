// mock-ra console: every value from the admin API is written with
// textContent (never as markup); the token lives in sessionStorage only.
"use strict";

(function () {
  const TOKEN_KEY = "mock-ra-admin-token";
  const LANG_KEY = "mock-ra-console-lang";
  const JOURNAL_KEEP = 5000;
  let texts = { customer: {}, ui: { en: {}, ja: {} } };
  let lang = "ja";
  let token = null;
  let view = "accounts";
  let timer = null;
  let lastSeq = 0;
  let journalDropped = 0; // entries the mock dropped to stay bounded
  let journal = []; // newest first
  let kinds = [];
  let clock = null;

  const $ = (id) => document.getElementById(id);
  const t = (key) => (texts.ui[lang] && texts.ui[lang][key]) || key;

  // An element whose children are nodes or strings (as text nodes).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function show(message, isError) {
    const m = $("message");
    m.textContent = message || "";
    m.className = isError ? "message error" : "message";
  }

  // ---- language -------------------------------------------------------

  function applyLang() {
    document.documentElement.lang = lang;
    for (const n of document.querySelectorAll("[data-t]")) n.textContent = t(n.dataset.t);
    for (const b of document.querySelectorAll("[data-lang-toggle]")) b.textContent = t("lang_other");
    fillFilters();
    renderJournal();
  }

  function toggleLang() {
    lang = lang === "ja" ? "en" : "ja";
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode */ }
    applyLang();
    if (token) refresh();
  }

  // ---- the admin API --------------------------------------------------

  class Unauthorized extends Error {}

  async function api(method, path, body) {
    const headers = { Authorization: "Bearer " + token };
    const init = { method, headers, cache: "no-store", credentials: "omit", redirect: "error" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, init);
    } catch (e) {
      $("link-state").textContent = t("offline");
      $("link-state").className = "badge bad";
      throw e;
    }
    $("link-state").textContent = t("live");
    $("link-state").className = "badge ok";
    if (r.status === 401) throw new Unauthorized();
    const data = await r.json().catch(() => null);
    if (!r.ok) {
      const detail = data && (data.detail || data.title) ? (data.detail || data.title) : String(r.status);
      const err = new Error(detail);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  // A user action: errors go to the message line; a 401 back to the prompt.
  async function act(fn) {
    try {
      await fn();
      await refresh();
    } catch (e) {
      if (e instanceof Unauthorized) logout(t("token_wrong"));
      else show(t("error") + ": " + e.message, true);
    }
  }

  // ---- token ------------------------------------------------------------

  async function login(candidate) {
    token = candidate;
    try {
      await api("GET", "/clock");
    } catch (e) {
      token = null;
      $("login-error").textContent = e instanceof Unauthorized ? t("token_wrong") : t("token_unreachable");
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, candidate);
    $("login-error").textContent = "";
    $("token").value = "";
    $("login").hidden = true;
    $("app").hidden = false;
    lastSeq = 0;
    journal = [];
    try { kinds = await api("GET", "/fault-kinds"); } catch (e) { kinds = []; }
    fillFaultForm();
    select(location.hash.slice(1) || "accounts");
    start();
  }

  function logout(why) {
    stop();
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    journal = [];
    lastSeq = 0;
    for (const id of ["accounts", "journal", "faults"]) clear($(id).tBodies[0]);
    clear($("commands"));
    show("");
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = why || "";
    $("token").focus();
  }

  // ---- views --------------------------------------------------------------

  function select(name) {
    if (!["accounts", "journal", "faults", "clock", "client"].includes(name)) name = "accounts";
    if (view !== name) show("");
    view = name;
    for (const s of document.querySelectorAll(".view")) s.hidden = s.id !== "view-" + name;
    for (const b of document.querySelectorAll("nav button")) {
      b.classList.toggle("current", b.dataset.view === name);
    }
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
    refresh();
  }

  function start() {
    stop();
    timer = setInterval(refresh, 1000);
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
  }

  let busy = false;
  async function refresh() {
    if (!token || busy) return;
    busy = true;
    try {
      clock = await api("GET", "/clock");
      renderClock();
      await pollJournal();
      if (view === "accounts") renderAccounts(await api("GET", "/accounts"));
      if (view === "faults") renderFaults(await api("GET", "/faults"));
      if (view === "client") await renderClient();
    } catch (e) {
      if (e instanceof Unauthorized) logout(t("token_wrong"));
    } finally {
      busy = false;
    }
  }

  // ---- clock ------------------------------------------------------------

  function renderClock() {
    if (!clock) return;
    $("clock-now").textContent = clock.now;
    $("clock-big").textContent = clock.now;
    const state = clock.real ? t("real") : clock.frozen ? t("frozen") : t("running");
    $("clock-state").textContent = state;
    $("clock-state").className = clock.frozen ? "badge warn" : "badge";
    $("clock-freeze").textContent = clock.frozen ? t("clock_unfreeze") : t("clock_freeze");
    $("clock-freeze").dataset.frozen = clock.frozen ? "1" : "0";
  }

  // ---- accounts ------------------------------------------------------------

  function badge(text, cls) {
    return el("span", { class: "badge " + (cls || ""), text });
  }

  const STATUS_CLASS = { current: "ok", renewed: "info", reissued: "warn" };

  function renderAccounts(accounts) {
    const body = $("accounts").tBodies[0];
    clear(body);
    for (const a of accounts) {
      const certs = el("ul", { class: "certs" });
      for (const c of a.certificates) {
        certs.appendChild(el("li", { "data-serial": c.serial },
          badge(c.status || "-", STATUS_CLASS[c.status]),
          c.revoked ? badge("revoked", "bad") : null,
          el("span", { class: "mono serial", title: c.subject, text: c.serial.slice(0, 16) }),
          el("span", { class: "muted", text: " " + t("expires") + " " + c.not_after }),
          el("span", { class: "muted", text: " (" + c.origin + ")" })));
      }
      const changes = a.password_changes.length
        ? el("ul", { class: "times" }, ...a.password_changes.map((x) => el("li", { class: "mono", text: x })))
        : el("span", { class: "muted", text: t("none") });
      const expires = a.password_expires
        ? el("div", { class: "muted", text: t("expires") + " " + a.password_expires }) : null;
      const order = el("select", { "aria-label": t("col_order"), onchange: (ev) =>
        act(() => api("PATCH", "/accounts/" + encodeURIComponent(a.id), { order: ev.target.value })) });
      for (const o of ["not_created", "ready", "fetched"]) {
        order.appendChild(el("option", { value: o, selected: o === a.order, text: o }));
      }
      const actions = el("td", { class: "actions" },
        a.locked || a.failures > 0 ? el("button", { type: "button", text: t("unlock"), onclick: () =>
          act(() => api("PATCH", "/accounts/" + encodeURIComponent(a.id), { locked: false, failures: 0 })) }) : null,
        el("button", { type: "button", text: t("reissue"), onclick: () =>
          act(() => api("POST", "/accounts/" + encodeURIComponent(a.id) + "/reissue")) }));
      body.appendChild(el("tr", { "data-account": a.id, class: a.locked ? "locked" : null },
        el("td", {}, el("strong", { text: a.id }), el("div", { class: "muted", text: a.cn })),
        el("td", {}, certs),
        el("td", { class: "num failures", text: a.failures + " / " + a.lock_threshold }),
        el("td", { class: "lock" }, a.locked ? badge(t("locked"), "bad") : badge(t("unlocked"), "")),
        el("td", {}, changes, expires),
        el("td", { class: "order" }, badge(a.order, a.order === "ready" ? "ok" : a.order === "fetched" ? "info" : ""), " ", order),
        actions));
    }
  }

  // ---- journal ---------------------------------------------------------------

  async function pollJournal() {
    const entries = await api("GET", "/journal?since=" + lastSeq);
    const stats = await api("GET", "/journal/stats");
    if (stats && stats.dropped !== journalDropped) {
      journalDropped = stats.dropped;
      if ($("follow").checked) renderJournal();
    }
    if (!entries.length) return;
    for (const e of entries) {
      if (e.seq > lastSeq) lastSeq = e.seq;
      journal.unshift(e);
    }
    if (journal.length > JOURNAL_KEEP) journal.length = JOURNAL_KEEP;
    fillFilters();
    if ($("follow").checked) renderJournal();
  }

  function distinct(key) {
    const s = new Set();
    for (const e of journal) if (e[key]) s.add(e[key]);
    return Array.from(s).sort();
  }

  // What the user picked in each filter (kept while the options change).
  const picked = { "filter-account": "", "filter-role": "-admin", "filter-cause": "" };

  function fillSelect(sel, first, values, want) {
    const keep = want === undefined ? sel.value : want;
    clear(sel);
    for (const [value, label] of first) sel.appendChild(el("option", { value, text: label }));
    for (const v of values) sel.appendChild(el("option", { value: v, text: v }));
    if (Array.from(sel.options).some((o) => o.value === keep)) sel.value = keep;
    else if (want !== undefined) sel.appendChild(el("option", { value: keep, selected: true, text: keep }));
  }

  function fillFilters() {
    fillSelect($("filter-account"), [["", t("filter_all")]], distinct("account"), picked["filter-account"]);
    fillSelect($("filter-role"), [["-admin", t("filter_hosts")], ["", t("filter_all")]], distinct("role"),
      picked["filter-role"]);
    fillSelect($("filter-cause"), [["", t("filter_all")]], distinct("cause"), picked["filter-cause"]);
  }

  function shown(e) {
    const account = $("filter-account").value;
    const role = $("filter-role").value;
    const cause = $("filter-cause").value;
    if (account && e.account !== account) return false;
    if (role === "-admin" ? e.role === "admin" : role && e.role !== role) return false;
    if (cause && e.cause !== cause) return false;
    return true;
  }

  function renderJournal() {
    const body = $("journal").tBodies[0];
    if (!body) return;
    clear(body);
    let n = 0;
    for (const e of journal) {
      if (!shown(e)) continue;
      n += 1;
      if (n > 500) continue;
      const customer = e.class && texts.customer[e.class] ? texts.customer[e.class][lang] : null;
      const cert = e.certificate
        ? el("span", { class: "mono", title: e.certificate.subject, text: e.certificate.serial.slice(0, 16) })
        : el("span", { class: "muted", text: "-" });
      body.appendChild(el("tr", { "data-seq": e.seq, class: e.class ? "failed" : null },
        el("td", { class: "num", text: String(e.seq) }),
        el("td", { class: "mono time", text: e.time }),
        el("td", { text: e.role }),
        el("td", { text: e.method }),
        el("td", { class: "mono path", text: e.path }),
        el("td", { class: "num", text: e.status === null ? "-" : String(e.status) }),
        el("td", { class: "class" }, e.class ? badge(e.class, customer ? "bad" : "warn") : null,
          customer ? el("div", { class: "customer", title: t("customer_sees"), text: customer }) : null),
        el("td", { class: "cause", text: e.cause }),
        el("td", { class: "account", text: e.account || "" }),
        el("td", {}, cert, e.certificate ? el("div", { class: "muted subject", text: e.certificate.subject }) : null),
        el("td", { class: "fault", text: e.fault || "" })));
    }
    $("journal-count").textContent = n + " " + t("entries") +
      (journalDropped ? " \u00b7 " + journalDropped + " " + t("journal_dropped") : "");
  }

  // ---- faults ------------------------------------------------------------------

  function settings(spec) {
    const parts = [];
    for (const [k, v] of Object.entries(spec)) {
      if (k === "name" || k === "host" || k === "kind") continue;
      parts.push(k + "=" + (typeof v === "string" ? v : JSON.stringify(v)));
    }
    return parts.join(" ");
  }

  function renderFaults(view) {
    $("fault-seed").textContent = String(view.seed);
    const body = $("faults").tBodies[0];
    clear(body);
    if (!view.faults.length) {
      body.appendChild(el("tr", {}, el("td", { colspan: 8, class: "muted", text: t("faults_none") })));
    }
    for (const f of view.faults) {
      body.appendChild(el("tr", { "data-fault": f.name },
        el("td", { class: "mono", text: f.name }),
        el("td", { class: "num", text: String(f.number) }),
        el("td", { text: f.spec.host }),
        el("td", { text: f.spec.kind }),
        el("td", { class: "mono", text: settings(f.spec) }),
        el("td", { class: "num", text: String(f.seen) }),
        el("td", { class: "num", text: String(f.applied) }),
        el("td", {}, el("button", { type: "button", text: t("remove"), onclick: () =>
          act(() => api("DELETE", "/faults/" + encodeURIComponent(f.name))) }))));
    }
  }

  function currentKind() {
    return kinds.find((k) => k.kind === $("fault-kind").value);
  }

  function fillFaultForm() {
    const host = $("fault-host");
    const hosts = ["webra2", "webra1", "repo1", "repository"];
    fillSelect(host, [], hosts);
    host.onchange = fillKinds;
    $("fault-kind").onchange = fillParams;
    fillKinds();
  }

  function fillKinds() {
    const host = $("fault-host").value;
    fillSelect($("fault-kind"), [], kinds.filter((k) => k.hosts.includes(host)).map((k) => k.kind));
    fillParams();
  }

  function fillParams() {
    const box = $("fault-params");
    clear(box);
    const k = currentKind();
    $("fault-doc").textContent = k ? k.doc : "";
    if (!k) return;
    const fields = k.params.map((p) => [p.key, p.required]);
    if (k.path) fields.push(["path", false]);
    if (k.schedulable) fields.push(["times", false], ["from", false], ["to", false], ["probability", false]);
    for (const [key, required] of fields) {
      box.appendChild(el("label", {}, el("span", { text: key + (required ? " *" : "") }), " ",
        el("input", { name: key, "data-param": key, required, size: key === "path" ? 18 : 6,
          class: "mono" })));
    }
  }

  async function addFault(ev) {
    ev.preventDefault();
    const spec = { host: $("fault-host").value, kind: $("fault-kind").value };
    const name = $("fault-name").value.trim();
    if (name) spec.name = name;
    for (const input of $("fault-params").querySelectorAll("input[data-param]")) {
      const v = input.value.trim();
      if (!v) continue;
      spec[input.dataset.param] = input.dataset.param === "path" ? v : Number(v);
    }
    await act(async () => {
      const added = await api("POST", "/faults", spec);
      show(t("fault_added") + " " + added.name);
      $("fault-name").value = "";
      fillParams();
    });
  }

  // ---- client commands ------------------------------------------------------------

  async function renderClient() {
    const box = $("commands");
    let ready;
    try {
      ready = await api("GET", "/ready");
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      clear(box);
      box.appendChild(el("p", { class: "muted", text: t("client_none") }));
      return;
    }
    const text = ready.commands.map((c) => c.text).join("\n");
    if (box.dataset.text === text) return;
    box.dataset.text = text;
    clear(box);
    for (const c of ready.commands) {
      const pre = el("pre", { class: "command", text: c.text });
      const copy = el("button", { type: "button", text: t("copy"), onclick: async () => {
        try {
          await navigator.clipboard.writeText(c.text);
          copy.textContent = t("copied");
        } catch (e) {
          const range = document.createRange();
          range.selectNodeContents(pre);
          const s = window.getSelection();
          s.removeAllRanges();
          s.addRange(range);
        }
      } });
      box.appendChild(el("div", { class: "command-row", "data-what": c.what },
        el("h3", {}, c.what + (c.identity ? " " + c.identity : ""), " ", copy), pre));
    }
  }

  // ---- reset ------------------------------------------------------------------------

  let resetArmed = null;
  function reset() {
    const b = $("reset");
    if (!resetArmed) {
      b.textContent = t("reset_confirm");
      resetArmed = setTimeout(() => { resetArmed = null; b.textContent = t("reset"); }, 4000);
      return;
    }
    clearTimeout(resetArmed);
    resetArmed = null;
    b.textContent = t("reset");
    act(async () => {
      await api("POST", "/reset");
      journal = [];
      renderJournal();
      show(t("reset_done"));
    });
  }

  // ---- start ---------------------------------------------------------------------------

  async function boot() {
    try {
      const r = await fetch("/console/texts.json", { cache: "no-store" });
      texts = await r.json();
    } catch (e) { /* labels stay as written in the page */ }
    let saved = null;
    try { saved = localStorage.getItem(LANG_KEY); } catch (e) { saved = null; }
    // Japanese, the manual's language, unless English was picked in this browser.
    lang = saved === "en" ? "en" : "ja";
    applyLang();
    for (const b of document.querySelectorAll("[data-lang-toggle]")) b.addEventListener("click", toggleLang);
    $("login-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      login($("token").value.trim());
    });
    for (const b of document.querySelectorAll("nav button")) {
      b.addEventListener("click", () => select(b.dataset.view));
    }
    window.addEventListener("hashchange", () => select(location.hash.slice(1)));
    $("logout").addEventListener("click", () => logout(""));
    $("reset").addEventListener("click", reset);
    $("faults-clear").addEventListener("click", () => act(() => api("DELETE", "/faults")));
    $("fault-form").addEventListener("submit", addFault);
    for (const id of ["filter-account", "filter-role", "filter-cause"]) {
      $(id).addEventListener("change", () => { picked[id] = $(id).value; renderJournal(); });
    }
    $("follow").addEventListener("change", renderJournal);
    $("clock-set").addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(() => api("POST", "/clock", { set: $("clock-set-value").value.trim() }));
    });
    $("clock-advance").addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(() => api("POST", "/clock", { advance: $("clock-advance-value").value.trim() }));
    });
    $("clock-freeze").addEventListener("click", () =>
      act(() => api("POST", "/clock", { frozen: $("clock-freeze").dataset.frozen !== "1" })));
    const saved_token = sessionStorage.getItem(TOKEN_KEY);
    if (saved_token) login(saved_token);
    else $("token").focus();
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
