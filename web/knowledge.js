/* The Knowledge tab: guidance documents by topic, a filter, passage search and a reader. renderDocument() is also
   how the citation panel shows a cited document. */
import { api } from "./api.js";
import { $, alertBox, el, scrollIntoViewOnPhone } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { externalLink, sanitizeHtml } from "./sanitize.js";

/** A document: meta line, codes, its sanitized HTML (or Markdown), public sources; `section` is highlighted. */
export function renderDocument(doc, section, withTitle) {
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
  if (sources.length) wrap.append(...sourcesSection(sources));
  return wrap;
}

/** The "Public sources" heading and list of links. */
export function sourcesSection(sources) {
  return [el("h3", { class: "section-title", text: "Public sources" }),
    el("ul", { class: "sources" }, sources.map((s) => el("li", null, externalLink(s))))];
}

const docsState = { docs: null, current: null, loading: false };

function normalizeList(data, keys) {
  if (Array.isArray(data)) return data;
  if (data && typeof data === "object") for (const k of keys) if (Array.isArray(data[k])) return data[k];
  return [];
}

/** Load the document list once (the first time the tab opens). */
export async function loadDocs() {
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
    $("#docs-list").replaceChildren(el("li", null, alertBox("Documents unavailable: " + err.message, { onRetry: () => loadDocs() })));
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
    reader.replaceChildren(alertBox("Could not open the document: " + err.message));
  }
  reader.focus();
  scrollIntoViewOnPhone(reader);
}

async function searchPassages(query) {
  const hits = $("#docs-hits");
  if (!query) { hits.replaceChildren(); return; }
  hits.replaceChildren(el("p", { class: "muted small", text: "Searching…" }));
  let data;
  try {
    data = await api("POST", "/api/search", { query, k: 8 });
  } catch (err) {
    // 503 while the index builds: the server's message says how far it is and when to retry
    hits.replaceChildren(alertBox(err.status === 503 ? err.message : "Passage search failed: " + err.message));
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

/** Wire the filter, topic and passage search controls. */
export function initKnowledge() {
  $("#docs-filter").addEventListener("input", () => { if (docsState.docs) renderDocList(); });
  $("#docs-topic").addEventListener("change", () => { if (docsState.docs) renderDocList(); });
  $("#docs-search").addEventListener("submit", (e) => { e.preventDefault(); searchPassages($("#docs-filter").value.trim()); });
}
