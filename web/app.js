/* Pain Coding Advisor web app. No framework, no build step, no innerHTML: every string from a user or the server
   reaches the page through textContent, a DOM-building Markdown renderer, or an allowlist HTML sanitizer. */
(function () {
  "use strict";

  // ------------------------------------------------------------------ small helpers

  const $ = (sel, root) => (root || document).querySelector(sel);

  const { el } = window.PainDom;

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    up: "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
    down: "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17",
    edit: "M12 20h9M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z",
    trash: "M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6",
    copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  };
  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function announce(text) {
    const status = $("#status");
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 30);
  }

  function safeUrl(href) {
    try {
      const url = new URL(String(href), window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function externalLink(href, text) {
    const url = safeUrl(href);
    if (!url) return el("span", { text: text || href });
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: text || href });
  }

  function formatLine(line) {
    if (typeof line === "string") return line;
    const mods = Array.isArray(line.modifiers) ? line.modifiers : [];
    const text = [line.code, ...mods].join("-");
    const units = Number(line.units || 1);
    return units !== 1 ? text + " x" + units : text;
  }

  function splitClaimText(text) {
    return String(text).split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean);
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (_) { /* fall through */ }
    const area = el("textarea", { class: "sr-only", "aria-hidden": "true", tabindex: "-1" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  }

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(message, status, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
    get retryable() { return this.status === 0 || this.status >= 500 || this.status === 429 || this.status === 408; }
  }

  function errorMessage(status, data) {
    if (data && typeof data.message === "string" && data.message) {
      return data.where && !data.message.includes(data.where) ? data.message + " (" + data.where + ")" : data.message;
    }
    if (data && typeof data.detail === "string") return data.detail;
    if (data && Array.isArray(data.detail)) return data.detail.map((d) => d.msg || String(d)).join("; ");
    if (status >= 500) return "The server hit a problem (HTTP " + status + "). Please retry.";
    return "The request failed (HTTP " + status + ").";
  }

  async function readError(res) {
    let data = null;
    try { data = JSON.parse(await res.text()); } catch (_) { data = null; }
    return new ApiError(errorMessage(res.status, data), res.status, data);
  }

  async function api(method, path, body) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError("Cannot reach the server. Check the connection and retry.", 0, null);
    }
    if (!res.ok) throw await readError(res);
    if (res.status === 204) return null;
    const text = await res.text();
    try { return text ? JSON.parse(text) : null; } catch (_) {
      throw new ApiError("The server sent a response that is not JSON.", 502, null);
    }
  }

  // ------------------------------------------------------------------ streaming ask (server-sent events over POST)

  const FINAL_EVENTS = new Set(["final", "answer", "done", "result", "complete", "end"]);
  const TEXT_KEYS = ["delta", "text", "token", "content", "chunk"];

  function looksLikeAnswer(obj) {
    return obj && typeof obj === "object" && typeof obj.answer === "string" &&
      ("answer_id" in obj || "verdict" in obj || "citations" in obj || "findings" in obj);
  }

  async function streamAsk(body, onText, onStage) {
    let res;
    try {
      res = await fetch("/api/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError("Lost the connection to the server before the answer started.", 0, null);
    }
    if (res.status === 405 || res.status === 501) return api("POST", "/api/ask", body); // no streaming route
    if (!res.ok) {
      const err = await readError(res);
      // A 404 without our error body means the stream route itself is missing: ask without streaming.
      if (res.status === 404 && !(err.body && err.body.error)) return api("POST", "/api/ask", body);
      throw err;
    }
    const type = res.headers.get("content-type") || "";
    if (type.includes("application/json")) return res.json();
    if (!res.body || !res.body.getReader) {
      const done = parseEvents(await res.text(), onText, onStage, { text: "", final: null });
      if (!done.final) throw new ApiError("The answer stream ended before the answer was complete.", 0, null);
      return done.final;
    }

    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const acc = { text: "", final: null };
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          handleEvent(buffer.slice(0, cut), onText, onStage, acc);
          buffer = buffer.slice(cut + 2);
        }
      }
      buffer += decoder.decode();
      if (buffer.trim()) handleEvent(buffer, onText, onStage, acc);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError("Lost the connection to the server while the answer was streaming.", 0, null);
    }
    if (!acc.final) throw new ApiError("The answer stream ended before the answer was complete.", 0, null);
    return acc.final;
  }

  function parseEvents(text, onText, onStage, acc) {
    for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) if (block.trim()) handleEvent(block, onText, onStage, acc);
    return acc;
  }

  const ERROR_STATUS = { InvalidInput: 422, DataError: 422, NotFound: 404, AdvisorError: 422 };

  function handleEvent(block, onText, onStage, acc) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const idx = line.indexOf(":");
      const field = idx < 0 ? line : line.slice(0, idx);
      let value = idx < 0 ? "" : line.slice(idx + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value.trim();
      else if (field === "data") data.push(value);
    }
    const raw = data.join("\n");
    if (!raw || raw === "[DONE]") return;
    let payload = raw;
    try { payload = JSON.parse(raw); } catch (_) { /* plain text chunk */ }

    if (name === "error" || (payload && typeof payload === "object" && payload.error && !looksLikeAnswer(payload))) {
      const obj = payload && typeof payload === "object" ? payload : { message: String(payload) };
      const status = obj.status || ERROR_STATUS[obj.error] || 500;
      throw new ApiError(errorMessage(status, obj) || "The server could not finish the answer.", status, obj);
    }
    if (name === "stage") { if (onStage && payload && typeof payload === "object") onStage(payload); return; }
    if (payload && typeof payload === "object") {
      if (looksLikeAnswer(payload)) { acc.final = payload; return; }
      if (FINAL_EVENTS.has(name) && looksLikeAnswer(payload.answer)) { acc.final = payload.answer; return; }
      for (const key of TEXT_KEYS) {
        if (typeof payload[key] === "string") { acc.text += payload[key]; onText(acc.text); return; }
      }
      return; // status / meta events
    }
    if (typeof payload === "string" && !FINAL_EVENTS.has(name)) {
      acc.text += payload;
      onText(acc.text);
    }
  }

  // ------------------------------------------------------------------ safe Markdown (answers): builds DOM, never HTML

  const INLINE_RE = /(`[^`\n]+`)|(\*\*[^*\n]+?\*\*|__[^_\n]+?__)|(\[\d+(?:\s*[,;–-]\s*\d+)*\](?!\())|(\[[^\]\n]+\]\([^)\s]+\))|(\*[^*\s][^*\n]*?\*)/g;

  function renderInline(text, parent, ctx) {
    let last = 0;
    for (const m of String(text).matchAll(INLINE_RE)) { // matchAll clones the regex: safe under recursion
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      const tok = m[0];
      if (m[1]) parent.appendChild(el("code", { text: tok.slice(1, -1) }));
      else if (m[2]) renderInline(tok.slice(2, -2), parent.appendChild(el("strong")), ctx);
      else if (m[3]) {
        if (ctx && ctx.citations) chipsFor(tok, parent, ctx);
        else parent.appendChild(document.createTextNode(tok)); // passages, partial stream: plain text
      }
      else if (m[4]) {
        const lm = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(tok);
        parent.appendChild(externalLink(lm[2], lm[1]));
      } else if (m[5]) renderInline(tok.slice(1, -1), parent.appendChild(el("em")), ctx);
      last = m.index + tok.length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function chipsFor(token, parent, ctx) {
    const inner = token.slice(1, -1);
    const range = /^(\d+)\s*[–-]\s*(\d+)$/.exec(inner);
    let nums = [];
    if (range && Number(range[2]) - Number(range[1]) < 20 && Number(range[2]) >= Number(range[1])) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) nums.push(n);
    } else {
      nums = inner.split(/[,;]/).map((s) => Number(s.trim())).filter((n) => Number.isFinite(n));
    }
    for (const n of nums) parent.appendChild(citationChip(n, ctx));
  }

  function citationChip(n, ctx) {
    const cite = ctx && ctx.citations ? ctx.citations.get(n) : null;
    if (!cite) return el("span", { class: "chip missing", title: "No source " + n, text: String(n) });
    const label = "Source " + n + ": " + (cite.title || cite.doc || "") + (cite.section ? ", " + cite.section : "");
    return el("button", {
      type: "button", class: "chip", "aria-label": label, title: label, text: String(n),
      "data-cite": String(n),
      on: { click: (e) => openCitation(cite, e.currentTarget) },
    });
  }

  function renderMarkdown(src, ctx) {
    const frag = document.createDocumentFragment();
    const lines = String(src || "").replace(/\r\n?/g, "\n").split("\n");
    const isBlank = (l) => /^\s*$/.test(l);
    const bulletRe = /^\s*[-*+]\s+(.*)$/;
    const orderedRe = /^\s*(\d+)[.)]\s+(.*)$/;
    const headRe = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
    const startsBlock = (l) => /^```/.test(l) || headRe.test(l) || bulletRe.test(l) || orderedRe.test(l) || /^\s*>/.test(l) || isTableRow(l);
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) { i++; continue; }
      if (/^```/.test(line)) {
        const buf = [];
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) buf.push(lines[i++]);
        i++;
        frag.appendChild(el("pre", null, el("code", { text: buf.join("\n") })));
        continue;
      }
      const h = headRe.exec(line);
      if (h) {
        const level = Math.min(6, h[1].length + 2);
        const node = el("h" + level);
        renderInline(h[2], node, ctx);
        frag.appendChild(node);
        i++;
        continue;
      }
      if (bulletRe.test(line) || orderedRe.test(line)) {
        const ordered = !bulletRe.test(line);
        const list = el(ordered ? "ol" : "ul");
        if (ordered) {
          const start = Number(orderedRe.exec(line)[1]);
          if (start !== 1) list.setAttribute("start", String(start));
        }
        const re = ordered ? orderedRe : bulletRe;
        while (i < lines.length && re.test(lines[i])) {
          const mm = re.exec(lines[i]);
          let text = ordered ? mm[2] : mm[1];
          i++;
          while (i < lines.length && !isBlank(lines[i]) && /^\s{2,}\S/.test(lines[i]) && !bulletRe.test(lines[i]) && !orderedRe.test(lines[i])) {
            text += " " + lines[i].trim();
            i++;
          }
          const li = el("li");
          renderInline(text, li, ctx);
          list.appendChild(li);
        }
        frag.appendChild(list);
        continue;
      }
      if (/^\s*>/.test(line)) {
        const buf = [];
        while (i < lines.length && /^\s*>/.test(lines[i])) buf.push(lines[i++].replace(/^\s*>\s?/, ""));
        const quote = el("blockquote");
        renderInline(buf.join(" "), quote, ctx);
        frag.appendChild(quote);
        continue;
      }
      if (isTableRow(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
        const table = el("table", { class: "claim-table" });
        const head = el("tr");
        for (const cell of tableCells(line)) { const th = el("th"); renderInline(cell, th, ctx); head.appendChild(th); }
        table.appendChild(el("thead", null, head));
        const tbody = el("tbody");
        i += 2;
        while (i < lines.length && isTableRow(lines[i])) {
          const tr = el("tr");
          for (const cell of tableCells(lines[i])) { const td = el("td"); renderInline(cell, td, ctx); tr.appendChild(td); }
          tbody.appendChild(tr);
          i++;
        }
        table.appendChild(tbody);
        frag.appendChild(table);
        continue;
      }
      const buf = [line.trim()];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) buf.push(lines[i++].trim());
      const p = el("p");
      renderInline(buf.join(" "), p, ctx);
      frag.appendChild(p);
    }
    return frag;
  }
  function isTableRow(line) { return /^\s*\|.*\|\s*$/.test(line); }
  function tableCells(line) { return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim()); }

  // ------------------------------------------------------------------ sanitizer for server-rendered document HTML

  const ALLOWED_TAGS = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "STRONG", "B", "EM", "I",
    "CODE", "PRE", "BLOCKQUOTE", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TH", "TD", "A", "BR", "HR", "SUP", "SUB",
    "DEL", "S", "DL", "DT", "DD", "SPAN"]);
  const DROP_TAGS = new Set(["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "TEMPLATE", "NOSCRIPT", "SVG", "MATH",
    "LINK", "META", "BASE", "FORM", "INPUT", "BUTTON", "TEXTAREA", "SELECT", "IMG", "VIDEO", "AUDIO", "SOURCE", "FRAME"]);

  function sanitizeHtml(html) {
    const parsed = new DOMParser().parseFromString(String(html || ""), "text/html"); // inert: nothing runs or loads
    const out = document.createDocumentFragment();
    (function copy(src, dst) {
      for (const node of Array.from(src.childNodes)) {
        if (node.nodeType === Node.TEXT_NODE) { dst.appendChild(document.createTextNode(node.nodeValue)); continue; }
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        const tag = node.tagName.toUpperCase();
        if (DROP_TAGS.has(tag)) continue;
        if (!ALLOWED_TAGS.has(tag)) { copy(node, dst); continue; }
        const clean = document.createElement(tag.toLowerCase());
        if (tag === "A") {
          const raw = node.getAttribute("href") || "";
          const url = raw.startsWith("#") ? null : safeUrl(raw);
          if (url) { clean.setAttribute("href", url); clean.setAttribute("target", "_blank"); clean.setAttribute("rel", "noopener noreferrer"); }
        }
        if ((tag === "TH" || tag === "TD") && /^(left|right|center)$/.test(node.getAttribute("align") || "")) {
          clean.setAttribute("align", node.getAttribute("align"));
        }
        if (tag === "OL" && /^\d+$/.test(node.getAttribute("start") || "")) clean.setAttribute("start", node.getAttribute("start"));
        copy(node, clean);
        dst.appendChild(clean);
      }
    })(parsed.body, out);
    return out;
  }

  // ------------------------------------------------------------------ presentation pieces

  const VERDICTS = { yes: "Yes", no: "No", conditional: "Depends" };
  const STATUS_LABELS = { clean: "Clean", warnings: "Warnings", errors: "Errors" };

  function verdictBadge(verdict) {
    if (!verdict || !VERDICTS[verdict]) return null;
    return el("span", { class: "badge badge-" + verdict, "data-verdict": verdict, text: VERDICTS[verdict] });
  }

  function engineLabel(engine) {
    if (!engine) return "Engine not reported";
    const e = String(engine);
    if (/^(offline|rules?)$/i.test(e) || /offline/i.test(e)) return "Offline rules engine";
    return "Model: " + e;
  }

  function claimTable(lines, caption) {
    const table = el("table", { class: "claim-table" },
      caption ? el("caption", { class: "sr-only", text: caption }) : null,
      el("thead", null, el("tr", null,
        el("th", { scope: "col", text: "Code" }), el("th", { scope: "col", text: "Modifiers" }),
        el("th", { scope: "col", class: "num", text: "Units" }))));
    const body = el("tbody");
    for (const line of lines) {
      const mods = Array.isArray(line.modifiers) ? line.modifiers : [];
      body.appendChild(el("tr", null,
        el("td", { class: "code", text: line.code }),
        el("td", { text: mods.length ? mods.join(", ") : "—" }),
        el("td", { class: "num", text: String(line.units || 1) })));
    }
    table.appendChild(body);
    return table;
  }

  function claimSection(lines, title) {
    const status = el("span", { class: "copy-status", role: "status" });
    const copyBtn = el("button", {
      type: "button", class: "btn btn-ghost btn-sm", "aria-label": "Copy claim lines",
      on: {
        click: async () => {
          const ok = await copyText(lines.map(formatLine).join("\n"));
          status.textContent = ok ? "Copied" : "Copy failed: select the table and copy";
          window.setTimeout(() => { status.textContent = ""; }, 2500);
        },
      },
    }, icon("copy"), "Copy");
    return el("div", { class: "section claim-section" },
      el("h3", { class: "section-title" }, el("span", { text: title }), el("span", null, status, copyBtn)),
      claimTable(lines, title));
  }

  function findingsList(findings) {
    const list = el("ul", { class: "findings" });
    const order = { error: 0, warning: 1, info: 2 };
    const sorted = [...findings].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
    for (const f of sorted) {
      const sev = ["error", "warning", "info"].includes(f.severity) ? f.severity : "info";
      const extra = el("div", { class: "finding-extra" });
      if (Array.isArray(f.codes) && f.codes.length) extra.appendChild(el("span", { text: "Codes: " + f.codes.join(", ") }));
      if (Array.isArray(f.sources)) {
        f.sources.slice(0, 4).forEach((s, idx) => {
          const url = safeUrl(s);
          extra.appendChild(url ? externalLink(url, "Source " + (idx + 1)) : el("span", { text: String(s) }));
        });
      }
      list.appendChild(el("li", { class: "finding finding-" + sev, "data-severity": sev },
        el("div", { class: "finding-head" },
          el("span", { class: "sev", text: sev }),
          f.rule ? el("span", { class: "rule-id", text: f.rule }) : null,
          f.confidence && f.confidence !== "confirmed" ? el("span", { class: "conf", text: f.confidence }) : null),
        el("p", { class: "finding-msg", text: f.message || "" }),
        extra.childNodes.length ? extra : null));
    }
    return list;
  }

  // ------------------------------------------------------------------ chat

  const state = {
    conversationId: null,
    busy: false,
    conversations: [],
    lastFocus: null,
  };

  const messages = () => $("#messages");
  const questionBox = () => $("#question");

  function scrollToEnd() {
    const box = messages();
    box.scrollTop = box.scrollHeight;
  }

  function hideEmptyState() { const e = $("#empty-state"); if (e) e.hidden = true; }
  function showEmptyState() { const e = $("#empty-state"); if (e) e.hidden = false; }

  function appendUser(text) {
    const node = el("div", { class: "msg msg-user" }, el("div", { class: "bubble", "data-role": "question", text }));
    messages().appendChild(node);
    scrollToEnd();
    return node;
  }

  const STAGES = {
    understood: () => "Understood the question; checking the rules…",
    checked: () => "Rules checked; finding the guidance…",
    retrieved: (p) => "Found " + (p.passages ?? "the") + " passages; writing the answer…",
  };

  function appendStreaming() {
    const body = el("div", { class: "answer-body" });
    const label = el("span", { class: "meta stage", text: "Checking the rules and sources…" });
    const node = el("article", { class: "msg msg-answer", "aria-busy": "true" },
      el("div", { class: "answer streaming" },
        el("div", { class: "answer-head" },
          el("span", { class: "typing", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
          label),
        body));
    messages().appendChild(node);
    scrollToEnd();
    let pending = null;
    return {
      node,
      stage(payload) {
        const make = STAGES[payload.stage];
        if (make) label.textContent = make(payload);
      },
      update(text) {
        pending = text;
        window.requestAnimationFrame(() => {
          if (pending === null) return;
          body.replaceChildren(renderMarkdown(pending, null));
          pending = null;
          scrollToEnd();
        });
      },
    };
  }

  function renderAnswer(a, feedbackState) {
    const citations = new Map();
    for (const c of Array.isArray(a.citations) ? a.citations : []) if (c && c.n !== undefined) citations.set(Number(c.n), c);
    const ctx = { citations };

    const kv = a.knowledge_version ? String(a.knowledge_version) : null;
    const head = el("div", { class: "answer-head" },
      verdictBadge(a.verdict),
      el("span", { class: "spacer" }),
      el("span", { class: "meta engine", "data-engine": a.engine || "", text: a.engine_label || engineLabel(a.engine) }),
      kv ? el("span", { class: "meta meta-sep knowledge-version", title: "Knowledge version " + kv, text: "Knowledge " + (kv.length > 14 ? kv.slice(0, 12) + "…" : kv) }) : null);

    const body = el("div", { class: "answer-body" });
    body.appendChild(renderMarkdown(a.answer || "", ctx));

    const card = el("div", { class: "answer" }, head,
      a.notice ? el("div", { class: "answer-notice", role: "note", text: String(a.notice) }) : null, body);

    if (Array.isArray(a.claim) && a.claim.length) card.appendChild(claimSection(a.claim, "Claim lines"));
    if (Array.isArray(a.findings) && a.findings.length) {
      card.appendChild(el("div", { class: "section" }, el("h3", { class: "section-title", text: "Findings" }), findingsList(a.findings)));
    }
    if (citations.size) {
      const list = el("ol", { class: "citations" });
      for (const c of citations.values()) {
        list.appendChild(el("li", { class: "citation" },
          citationChip(Number(c.n), ctx),
          el("button", { type: "button", class: "citation-link", text: c.title || c.doc || "Source " + c.n, on: { click: (e) => openCitation(c, e.currentTarget) } }),
          c.section ? el("span", { class: "citation-section", text: c.section }) : null));
      }
      card.appendChild(el("div", { class: "section" }, el("h3", { class: "section-title", text: "Sources" }), list));
    }
    card.appendChild(el("div", { class: "answer-foot" },
      el("span", { class: "meta", text: "The payer’s current policy rules; verify before you submit." }),
      a.answer_id ? feedbackWidget(a.answer_id, feedbackState) : null));

    return el("article", { class: "msg msg-answer", "data-answer-id": a.answer_id || "", "aria-label": "Answer" }, card);
  }

  function feedbackWidget(answerId, existing) {
    let rating = existing ? existing.rating : null;
    const status = el("span", { class: "fb-status", role: "status" });
    const up = el("button", { type: "button", class: "btn btn-sm btn-icon fb-up", "aria-label": "Helpful", title: "Helpful", "aria-pressed": String(rating === "up") }, icon("up"));
    const down = el("button", { type: "button", class: "btn btn-sm btn-icon fb-down", "aria-label": "Not helpful", title: "Not helpful", "aria-pressed": String(rating === "down") }, icon("down"));
    const commentId = "fb-" + answerId;
    const area = el("textarea", { id: commentId, rows: "1", maxlength: "2000", placeholder: "What was wrong or missing? (optional, no patient details)" });
    const sendComment = el("button", { type: "submit", class: "btn btn-sm", text: "Send comment" });
    const commentForm = el("form", { class: "fb-comment", hidden: true },
      el("label", { class: "sr-only", for: commentId, text: "Feedback comment" }), area, sendComment);
    const wrap = el("div", { class: "feedback", "data-rating": rating || "" },
      el("span", { class: "meta", text: "Helpful?" }), up, down, status, commentForm);
    if (existing) {
      status.textContent = existing.comment ? "Rated, with comment" : "Rated";
    }

    async function send(newRating, comment) {
      up.disabled = down.disabled = true;
      try {
        await api("POST", "/api/feedback", { answer_id: answerId, rating: newRating, comment: comment || null });
        rating = newRating;
        wrap.dataset.rating = rating;
        up.setAttribute("aria-pressed", String(rating === "up"));
        down.setAttribute("aria-pressed", String(rating === "down"));
        status.className = "fb-status";
        status.textContent = comment ? "Comment saved. Thank you." : "Thanks, feedback saved.";
        return true;
      } catch (err) {
        status.className = "fb-status alert-text";
        status.textContent = "Feedback not saved: " + err.message;
        return false;
      } finally {
        up.disabled = down.disabled = false;
      }
    }
    up.addEventListener("click", async () => { if (await send("up")) { commentForm.hidden = false; } });
    down.addEventListener("click", async () => { if (await send("down")) { commentForm.hidden = false; area.focus(); } });
    commentForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text || !rating) return;
      if (await send(rating, text)) { area.value = ""; commentForm.hidden = true; }
    });
    return wrap;
  }

  function showAskError(err, question, userNode) {
    const lostConversation = err.status === 404 && err.body && err.body.where === "conversation_id";
    if (lostConversation) setConversation(null, null);
    const retry = lostConversation || err.status === 0 || err.status >= 500 || err.status === 429;
    const text = lostConversation
      ? "This conversation no longer exists. Retry to ask the question in a new conversation."
      : retry
        ? (err.status === 0 ? err.message : "The answer could not be produced: " + err.message)
        : err.message;
    const box = el("div", { class: "msg msg-error" });
    const alert = el("div", { class: "alert", role: "alert" },
      el("span", { class: "alert-text", text }),
      retry ? el("button", {
        type: "button", class: "btn btn-sm", text: "Retry",
        on: {
          click: () => {
            box.remove();
            userNode.remove();
            if (lostConversation) messages().replaceChildren($("#empty-state")); // the old turns are gone
            if (questionBox().value.trim() === question.trim()) setQuestion("");
            ask(question);
          },
        },
      }) : el("span", { class: "muted small", text: "Edit the question below and send it again." }));
    box.appendChild(alert);
    messages().appendChild(box);
    if (!questionBox().value.trim()) setQuestion(question);
    scrollToEnd();
    announce(text);
  }

  function setQuestion(text) {
    const q = questionBox();
    q.value = text;
    autoresize();
    updateSend();
  }

  function updateSend() {
    $("#send").disabled = state.busy || !questionBox().value.trim();
  }

  function autoresize() {
    const q = questionBox();
    q.style.height = "auto";
    q.style.height = Math.min(q.scrollHeight + 2, 220) + "px";
  }

  async function ask(question) {
    const q = String(question || "").trim();
    if (!q || state.busy) return;
    state.busy = true;
    updateSend();
    hideEmptyState();
    for (const old of messages().querySelectorAll(".msg-error")) old.remove();
    const userNode = appendUser(q);
    if (questionBox().value.trim() === q) setQuestion("");
    const pending = appendStreaming();
    announce("Answering…");
    const body = { question: q, conversation_id: state.conversationId, payer: $("#payer").value || null };
    try {
      const answer = await streamAsk(body, (text) => pending.update(text), (stage) => pending.stage(stage));
      pending.node.remove();
      messages().appendChild(renderAnswer(answer, null));
      scrollToEnd();
      if (answer.conversation_id && answer.conversation_id !== state.conversationId) {
        setConversation(answer.conversation_id, null);
      }
      announce("Answer ready" + (answer.verdict && VERDICTS[answer.verdict] ? ": " + VERDICTS[answer.verdict] : ""));
      loadHistory();
    } catch (err) {
      pending.node.remove();
      showAskError(err instanceof ApiError ? err : new ApiError(String(err && err.message || err), 0, null), q, userNode);
    } finally {
      state.busy = false;
      updateSend();
    }
  }

  function setConversation(id, title) {
    state.conversationId = id;
    if (id) window.history.replaceState(null, "", "#c/" + encodeURIComponent(id));
    else window.history.replaceState(null, "", window.location.pathname);
    const conv = state.conversations.find((c) => c.id === id);
    $("#chat-title").textContent = title || (conv && conv.title) || (id ? "Conversation" : "New conversation");
    for (const item of document.querySelectorAll(".conv-item")) item.classList.toggle("active", item.dataset.id === id);
  }

  function newChat() {
    closeCitation();
    messages().replaceChildren($("#empty-state") || el("div"));
    showEmptyState();
    setConversation(null, null);
    setQuestion("");
    closeSidebar();
    questionBox().focus();
  }

  async function openConversation(id) {
    closeCitation();
    let conv;
    try {
      conv = await api("GET", "/api/conversations/" + encodeURIComponent(id));
    } catch (err) {
      if (err.status === 404) {
        newChat();
        messages().appendChild(el("div", { class: "msg" }, el("div", { class: "alert alert-info", role: "alert", text: "That conversation no longer exists." })));
        loadHistory();
        return;
      }
      messages().appendChild(el("div", { class: "msg msg-error" }, el("div", { class: "alert", role: "alert" },
        el("span", { class: "alert-text", text: "Could not open the conversation: " + err.message }),
        el("button", { type: "button", class: "btn btn-sm", text: "Retry", on: { click: (e) => { e.currentTarget.closest(".msg").remove(); openConversation(id); } } }))));
      return;
    }
    const empty = $("#empty-state");
    messages().replaceChildren(empty);
    empty.hidden = conv.turns.length > 0;
    for (const turn of conv.turns) {
      appendUser(turn.question);
      const answer = Object.assign({}, turn.answer, { answer_id: turn.answer_id, conversation_id: conv.id });
      messages().appendChild(renderAnswer(answer, turn.feedback));
    }
    setConversation(conv.id, conv.title);
    closeSidebar();
    scrollToEnd();
    announce("Opened " + conv.title);
  }

  // ------------------------------------------------------------------ history sidebar

  async function loadHistory() {
    const error = $("#history-error");
    try {
      state.conversations = await api("GET", "/api/conversations");
      error.hidden = true;
    } catch (err) {
      error.textContent = "History unavailable: " + err.message;
      error.hidden = false;
      return;
    }
    renderHistory();
  }

  function renderHistory() {
    const list = $("#conv-list");
    list.replaceChildren();
    $("#history-empty").hidden = state.conversations.length > 0;
    for (const conv of state.conversations) list.appendChild(historyItem(conv));
    const active = state.conversations.find((c) => c.id === state.conversationId);
    if (active) $("#chat-title").textContent = active.title;
  }

  function historyItem(conv) {
    const li = el("li", { class: "conv-item" + (conv.id === state.conversationId ? " active" : ""), "data-id": conv.id });
    const openBtn = el("button", {
      type: "button", class: "conv-open", title: conv.title, text: conv.title,
      "aria-current": conv.id === state.conversationId ? "true" : null,
      on: { click: () => openConversation(conv.id) },
    });
    const renameBtn = el("button", { type: "button", class: "btn btn-ghost btn-icon conv-rename-btn", "aria-label": "Rename conversation: " + conv.title, title: "Rename", on: { click: () => startRename(li, conv) } }, icon("edit"));
    const deleteBtn = el("button", { type: "button", class: "btn btn-ghost btn-icon btn-danger conv-delete-btn", "aria-label": "Delete conversation: " + conv.title, title: "Delete", on: { click: () => confirmDelete(li, conv) } }, icon("trash"));
    li.append(openBtn, el("span", { class: "conv-actions" }, renameBtn, deleteBtn));
    return li;
  }

  function startRename(li, conv) {
    const inputId = "rename-" + conv.id;
    const input = el("input", { type: "text", id: inputId, maxlength: "200", value: conv.title, autocomplete: "off" });
    const error = el("span", { class: "sr-only", role: "alert" });
    const form = el("form", { class: "conv-rename" },
      el("label", { class: "sr-only", for: inputId, text: "New title" }), input,
      el("button", { type: "submit", class: "btn btn-sm btn-primary", text: "Save" }),
      el("button", { type: "button", class: "btn btn-sm btn-ghost", text: "Cancel", on: { click: () => { renderHistory(); focusItem(conv.id, ".conv-rename-btn"); } } }),
      error);
    form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); renderHistory(); focusItem(conv.id, ".conv-rename-btn"); } });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const title = input.value.trim();
      if (!title) { input.setAttribute("aria-invalid", "true"); error.textContent = "The title cannot be empty."; input.focus(); return; }
      try {
        await api("PATCH", "/api/conversations/" + encodeURIComponent(conv.id), { title });
      } catch (err) {
        error.className = "sidebar-error";
        error.textContent = err.message;
        return;
      }
      await loadHistory();
      if (conv.id === state.conversationId) $("#chat-title").textContent = title;
      focusItem(conv.id, ".conv-open");
      announce("Renamed to " + title);
    });
    li.replaceChildren(form);
    input.focus();
    input.select();
  }

  function confirmDelete(li, conv) {
    const yes = el("button", { type: "button", class: "btn btn-sm btn-danger conv-confirm-delete", text: "Delete" });
    const no = el("button", { type: "button", class: "btn btn-sm btn-ghost", text: "Cancel" });
    const box = el("div", { class: "conv-confirm", role: "group", "aria-label": "Confirm delete" },
      el("span", { text: "Delete “" + (conv.title.length > 40 ? conv.title.slice(0, 39) + "…" : conv.title) + "”?" }), yes, no);
    no.addEventListener("click", () => { renderHistory(); focusItem(conv.id, ".conv-delete-btn"); });
    box.addEventListener("keydown", (e) => { if (e.key === "Escape") { renderHistory(); focusItem(conv.id, ".conv-delete-btn"); } });
    yes.addEventListener("click", async () => {
      try {
        await api("DELETE", "/api/conversations/" + encodeURIComponent(conv.id));
      } catch (err) {
        if (err.status !== 404) {
          box.replaceChildren(el("span", { class: "sidebar-error", role: "alert", text: "Not deleted: " + err.message }), no);
          return;
        }
      }
      if (conv.id === state.conversationId) newChat();
      await loadHistory();
      announce("Conversation deleted");
      $("#new-chat").focus();
    });
    li.replaceChildren(box);
    no.focus();
  }

  function focusItem(id, selector) {
    const item = document.querySelector('.conv-item[data-id="' + CSS.escape(id) + '"]');
    const target = item && item.querySelector(selector);
    if (target) target.focus();
  }

  function openSidebar() {
    $("#sidebar").classList.add("open");
    $("#history-toggle").setAttribute("aria-expanded", "true");
    const first = $("#sidebar").querySelector("button");
    if (first) first.focus();
  }
  function closeSidebar() {
    const sidebar = $("#sidebar");
    if (!sidebar.classList.contains("open")) return;
    sidebar.classList.remove("open");
    $("#history-toggle").setAttribute("aria-expanded", "false");
  }

  // ------------------------------------------------------------------ citation side panel

  function openCitation(cite, trigger) {
    state.lastFocus = trigger || document.activeElement;
    const panel = $("#cite-panel");
    const body = $("#cite-body");
    $("#cite-title").textContent = "[" + cite.n + "] " + (cite.title || cite.doc || "Source");
    body.replaceChildren();
    if (cite.section) body.appendChild(el("p", { class: "muted small", text: "Section: " + cite.section }));
    body.appendChild(el("h3", { class: "section-title", text: "Cited passage" }));
    body.appendChild(el("blockquote", { class: "passage doc-html", "data-role": "passage" }, renderMarkdown(cite.text || "(no passage text)", null)));
    const sources = Array.isArray(cite.sources) ? cite.sources : [];
    if (sources.length) {
      body.appendChild(el("h3", { class: "section-title", text: "Public sources" }));
      body.appendChild(el("ul", { class: "sources" }, sources.map((s) => el("li", null, externalLink(s)))));
    }
    const docBox = el("div", { class: "cite-doc", "aria-live": "polite" }, el("p", { class: "muted small", text: "Loading the document…" }));
    body.appendChild(el("h3", { class: "section-title", text: "Document" }));
    body.appendChild(docBox);
    panel.hidden = false;
    body.scrollTop = 0;
    body.focus();
    if (cite.doc) {
      api("GET", "/api/docs/" + encodeURIComponent(cite.doc))
        .then((doc) => { docBox.replaceChildren(renderDocument(doc, cite.section, false)); })
        .catch((err) => { docBox.replaceChildren(el("p", { class: "muted small", text: "Document unavailable: " + err.message })); });
    } else {
      docBox.replaceChildren(el("p", { class: "muted small", text: "No document id on this citation." }));
    }
  }

  function closeCitation() {
    const panel = $("#cite-panel");
    if (panel.hidden) return;
    panel.hidden = true;
    if (state.lastFocus && document.contains(state.lastFocus)) state.lastFocus.focus();
    state.lastFocus = null;
  }

  // ------------------------------------------------------------------ documents

  function renderDocument(doc, section, withTitle) {
    const wrap = el("div", { class: "doc", "data-doc": doc.id || "" });
    if (withTitle) wrap.appendChild(el("h1", { class: "card-title", text: doc.title || doc.id }));
    const meta = el("div", { class: "doc-meta" });
    if (doc.effective) meta.appendChild(el("span", { text: "Effective " + doc.effective }));
    if (doc.reviewed) meta.appendChild(el("span", { text: "Reviewed " + doc.reviewed }));
    if (doc.knowledge_version) meta.appendChild(el("span", { text: "Knowledge " + String(doc.knowledge_version).slice(0, 12) }));
    if (meta.childNodes.length) wrap.appendChild(meta);
    if (Array.isArray(doc.codes) && doc.codes.length) {
      wrap.appendChild(el("div", { class: "codes", "aria-label": "Codes covered" }, doc.codes.map((c) => el("span", { class: "code-tag", text: c }))));
    }
    const content = el("div", { class: "doc-html" });
    const html = doc.html || doc.content_html || doc.body_html;
    if (html) content.appendChild(sanitizeHtml(html));
    else content.appendChild(renderMarkdown(doc.markdown || doc.text || "", null));
    if (withTitle) {
      const first = content.firstElementChild;
      if (first && first.tagName === "H1") first.remove(); // title already shown
    }
    wrap.appendChild(content);
    if (section) {
      const want = String(section).trim().toLowerCase();
      for (const h of content.querySelectorAll("h1, h2, h3, h4")) {
        if (h.textContent.trim().toLowerCase() === want) { h.classList.add("hl"); break; }
      }
    }
    const sources = Array.isArray(doc.sources) ? doc.sources : [];
    if (sources.length) {
      wrap.appendChild(el("h3", { class: "section-title", text: "Public sources" }));
      wrap.appendChild(el("ul", { class: "sources" }, sources.map((s) => el("li", null, externalLink(s)))));
    }
    return wrap;
  }

  const docsState = { docs: null, current: null, loading: false };

  function normalizeList(data, keys) {
    if (Array.isArray(data)) return data;
    if (data && typeof data === "object") for (const k of keys) if (Array.isArray(data[k])) return data[k];
    return [];
  }

  async function loadDocs() {
    if (docsState.docs || docsState.loading) return;
    docsState.loading = true;
    $("#docs-count").textContent = "Loading documents…";
    try {
      const data = await api("GET", "/api/docs");
      docsState.docs = normalizeList(data, ["documents", "docs", "items", "results"]);
      const topics = new Set();
      docsState.docs.forEach((d) => (d.topics || []).forEach((t) => topics.add(t)));
      const select = $("#docs-topic");
      [...topics].sort().forEach((t) => select.appendChild(el("option", { value: t, text: t })));
      renderDocList();
    } catch (err) {
      $("#docs-count").textContent = "";
      $("#docs-list").replaceChildren(el("li", null, el("div", { class: "alert", role: "alert" },
        el("span", { class: "alert-text", text: "Documents unavailable: " + err.message }),
        el("button", { type: "button", class: "btn btn-sm", text: "Retry", on: { click: () => loadDocs() } }))));
    } finally {
      docsState.loading = false;
    }
  }

  function docMatches(doc, needle, topic) {
    if (topic && !(doc.topics || []).includes(topic)) return false;
    if (!needle) return true;
    const hay = [doc.id, doc.title, ...(doc.codes || []), ...(doc.topics || [])].join(" ").toLowerCase();
    return needle.split(/\s+/).every((word) => hay.includes(word));
  }

  function renderDocList() {
    const docs = docsState.docs || [];
    const needle = $("#docs-filter").value.trim().toLowerCase();
    const topic = $("#docs-topic").value;
    const shown = docs.filter((d) => docMatches(d, needle, topic));
    $("#docs-count").textContent = shown.length + " of " + docs.length + " documents";
    const groups = new Map();
    for (const doc of shown) {
      const key = topic || (doc.topics && doc.topics[0]) || "other";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(doc);
    }
    const list = $("#docs-list");
    list.replaceChildren();
    for (const key of [...groups.keys()].sort()) {
      list.appendChild(el("li", { class: "doc-group", text: key }));
      for (const doc of groups.get(key).sort((a, b) => String(a.title).localeCompare(String(b.title)))) {
        list.appendChild(el("li", null, el("button", {
          type: "button", class: "doc-item", "data-doc": doc.id, "aria-current": doc.id === docsState.current ? "true" : null,
          on: { click: () => openDoc(doc.id, null) },
        },
        el("span", { class: "doc-item-title", text: doc.title || doc.id }),
        el("span", { class: "codes" }, (doc.codes || []).slice(0, 8).map((c) => el("span", { class: "code-tag", text: c }))))));
      }
    }
    if (!shown.length) list.appendChild(el("li", { class: "muted", text: "No document matches. Try “Search passages”." }));
  }

  async function openDoc(id, section) {
    docsState.current = id;
    for (const b of document.querySelectorAll(".doc-item")) {
      if (b.dataset.doc === id) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
    }
    const reader = $("#doc-reader");
    reader.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
    try {
      const doc = await api("GET", "/api/docs/" + encodeURIComponent(id));
      reader.replaceChildren(renderDocument(doc, section, true));
    } catch (err) {
      reader.replaceChildren(el("div", { class: "alert", role: "alert" }, el("span", { class: "alert-text", text: "Could not open the document: " + err.message })));
    }
    reader.focus();
    if (window.matchMedia("(max-width: 760px)").matches) reader.scrollIntoView({ block: "start" });
  }

  async function searchPassages(query) {
    const hits = $("#docs-hits");
    if (!query) { hits.replaceChildren(); return; }
    hits.replaceChildren(el("p", { class: "muted small", text: "Searching…" }));
    let data;
    try {
      data = await api("POST", "/api/search", { query, k: 8 });
    } catch (err) {
      hits.replaceChildren(el("div", { class: "alert", role: "alert" }, el("span", { class: "alert-text", text: "Passage search failed: " + err.message })));
      return;
    }
    const results = normalizeList(data, ["results", "hits", "passages", "items"]);
    hits.replaceChildren(el("h2", { class: "doc-group", text: results.length + " passages for “" + query + "”" }));
    for (const r of results) {
      const docId = r.doc || r.doc_id || r.document || r.id;
      const title = r.title || docId;
      hits.appendChild(el("div", { class: "hit" },
        el("button", { type: "button", class: "citation-link", text: title + (r.section ? " · " + r.section : ""), on: { click: () => openDoc(docId, r.section) } }),
        el("p", { class: "hit-text", text: r.text || r.snippet || r.passage || "" })));
    }
  }

  // ------------------------------------------------------------------ quick check

  function triState(value) { return value === "" ? undefined : value === "true"; }

  async function runCheck(event) {
    if (event) event.preventDefault();
    const result = $("#check-result");
    const lines = splitClaimText($("#check-lines").value);
    if (!lines.length) {
      result.replaceChildren(el("div", { class: "alert", role: "alert" }, el("span", { class: "alert-text", text: "Enter at least one claim line, e.g. 64493-50." })));
      $("#check-lines").setAttribute("aria-invalid", "true");
      $("#check-lines").focus();
      return;
    }
    $("#check-lines").removeAttribute("aria-invalid");
    const facts = { setting: $("#check-setting").value };
    const sep = triState($("#fact-separate").value);
    const diag = triState($("#fact-diagnostic").value);
    const img = triState($("#fact-us-image").value);
    if (sep !== undefined) facts.separate_problem = sep;
    if (diag !== undefined) facts.diagnostic = diag;
    if ($("#fact-imaging").value) facts.imaging = $("#fact-imaging").value;
    if (img !== undefined) facts.ultrasound = img ? { real_time: true, permanent_image: true, report: true } : { permanent_image: false };
    const body = { lines, payer: $("#check-payer").value, facts };
    const submit = $("#check-submit");
    submit.disabled = true;
    result.replaceChildren(el("p", { class: "muted", text: "Checking…" }));
    try {
      const res = await api("POST", "/api/check", body);
      result.replaceChildren(renderCheck(res, lines));
      announce("Check finished: " + (STATUS_LABELS[res.status] || res.status));
      if (window.matchMedia("(max-width: 760px)").matches) result.scrollIntoView({ block: "start" });
    } catch (err) {
      const retry = err.status === 0 || err.status >= 500;
      result.replaceChildren(el("div", { class: "alert", role: "alert", "data-status": String(err.status) },
        el("span", { class: "alert-text", text: (err.status === 422 ? "Please fix the claim: " : "The check failed: ") + err.message }),
        retry ? el("button", { type: "button", class: "btn btn-sm", text: "Retry", on: { click: () => runCheck(null) } }) : null));
      if (window.matchMedia("(max-width: 760px)").matches) result.scrollIntoView({ block: "start" });
    } finally {
      submit.disabled = false;
    }
  }

  function renderCheck(res, submitted) {
    const card = el("div", { class: "card check-card" });
    const status = res.status || "clean";
    card.appendChild(el("div", { class: "result-head" },
      el("h2", { class: "card-title", text: "Result" }),
      el("span", { class: "badge badge-" + status, "data-status": status, text: STATUS_LABELS[status] || status }),
      el("span", { class: "meta", text: "Submitted: " + submitted.join(", ") })));
    const findings = Array.isArray(res.findings) ? res.findings : [];
    if (findings.length) card.appendChild(el("div", { class: "section" }, el("h3", { class: "section-title", text: "Findings" }), findingsList(findings)));
    else card.appendChild(el("p", { class: "muted", text: "No findings: the lines pass every rule checked." }));
    if (Array.isArray(res.claim) && res.claim.length) card.appendChild(claimSection(res.claim, "Corrected claim"));
    card.appendChild(el("p", { class: "meta", text: "The payer’s current policy rules; verify before you submit." }));
    return card;
  }

  // ------------------------------------------------------------------ tabs

  function selectView(name, focusTab) {
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.view === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $("#" + tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focusTab) tab.focus();
    }
    if (name === "docs") loadDocs();
    if (name !== "chat") closeCitation();
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    const q = questionBox();
    const payer = $("#payer");
    try {
      const saved = window.localStorage.getItem("advisor.payer");
      if (saved === "medicare" || saved === "commercial") { payer.value = saved; $("#check-payer").value = saved; }
      else if (saved === "") payer.value = "";
    } catch (_) { /* storage disabled */ }
    payer.addEventListener("change", () => { try { window.localStorage.setItem("advisor.payer", payer.value); } catch (_) { /* ignore */ } });

    q.addEventListener("input", () => { updateSend(); autoresize(); });
    q.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        if (!$("#send").disabled) ask(q.value);
      }
    });
    $("#composer").addEventListener("submit", (e) => { e.preventDefault(); if (!$("#send").disabled) ask(q.value); });
    for (const btn of document.querySelectorAll(".suggestion")) btn.addEventListener("click", () => ask(btn.textContent));

    $("#new-chat").addEventListener("click", newChat);
    $("#sidebar-close").addEventListener("click", () => { closeSidebar(); $("#history-toggle").focus(); });
    $("#history-toggle").addEventListener("click", () => ($("#sidebar").classList.contains("open") ? closeSidebar() : openSidebar()));
    $("#cite-close").addEventListener("click", closeCitation);
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (!$("#cite-panel").hidden) closeCitation();
      else if ($("#sidebar").classList.contains("open")) { closeSidebar(); $("#history-toggle").focus(); }
    });

    const tabs = [...document.querySelectorAll('[role="tab"]')];
    tabs.forEach((tab, idx) => {
      tab.addEventListener("click", () => selectView(tab.dataset.view, false));
      tab.addEventListener("keydown", (e) => {
        let next = null;
        if (e.key === "ArrowRight") next = tabs[(idx + 1) % tabs.length];
        else if (e.key === "ArrowLeft") next = tabs[(idx - 1 + tabs.length) % tabs.length];
        else if (e.key === "Home") next = tabs[0];
        else if (e.key === "End") next = tabs[tabs.length - 1];
        if (next) { e.preventDefault(); selectView(next.dataset.view, true); }
      });
    });

    $("#check-form").addEventListener("submit", runCheck);
    $("#check-form").addEventListener("reset", () => { $("#check-result").replaceChildren(); $("#check-lines").removeAttribute("aria-invalid"); });
    $("#docs-filter").addEventListener("input", () => { if (docsState.docs) renderDocList(); });
    $("#docs-topic").addEventListener("change", () => { if (docsState.docs) renderDocList(); });
    $("#docs-search").addEventListener("submit", (e) => { e.preventDefault(); searchPassages($("#docs-filter").value.trim()); });

    updateSend();
    loadHistory();
    openFromHash();
    window.addEventListener("hashchange", openFromHash);
  }

  function openFromHash() {
    const m = /^#c\/([^/?#]+)$/.exec(window.location.hash);
    if (m && decodeURIComponent(m[1]) !== state.conversationId) {
      selectView("chat", false);
      openConversation(decodeURIComponent(m[1]));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  // For tests and debugging in the console (pure functions only).
  window.AdvisorUI = Object.freeze({ renderMarkdown, sanitizeHtml, splitClaimText, formatLine });
})();
