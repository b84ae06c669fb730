/* The Codes tab: search codes by number or words, open one (GET /api/codes/{code}), follow a PTP pair to the other
   code or read how the pair is bypassed (GET /api/pairs). Every value shows where it comes from: the imported CMS
   table and version, or the curated catalog with its confidence. */
import { api } from "./api.js";
import { $, alertBox, el, scrollIntoViewOnPhone } from "./dom.js";
import { externalLink } from "./sanitize.js";

const FACT_LABELS = {
  addon: "Add-on", global: "Global days", bilateral: "Bilateral indicator", multiple_procedure: "Multiple procedure",
  imaging: "Imaging", facility_only: "Facility claim only",
};
const state = { current: null };

function dateParam() {
  const value = $("#codes-date").value;
  return value ? "?date=" + encodeURIComponent(value) : "";
}

/** "CMS MUE 2026-01-01" or "curated · secondary", with the sources as links. */
function originNode(origin) {
  if (!origin) return el("span");
  if (origin.kind === "imported") return el("span", { class: "origin origin-imported", text: origin.table });
  const links = (origin.sources || []).map((s) => externalLink(s.url, s.title));
  const parts = [];
  links.forEach((link, i) => { if (i) parts.push("; "); parts.push(link); });
  return el("span", { class: "origin" }, "curated · " + origin.confidence + (links.length ? " · " : ""), parts);
}

function curatedNote(curated) {
  return curated ? el("div", { class: "differs" }, "curated value differs: " + String(curated.value) + " (",
    originNode(curated.origin), ")") : null;
}

function table(headers, rows) {
  return el("table", { class: "code-table" },
    el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", null, rows));
}

function codeButton(code) {
  return el("button", { type: "button", class: "code-link", "data-code": code, text: code, on: { click: () => openCode(code) } });
}

function factsSection(detail) {
  const rows = Object.entries(detail.facts || {}).map(([name, fact]) => el("tr", { "data-fact": name },
    el("td", { text: FACT_LABELS[name] || name }),
    el("td", null, el("strong", { text: String(fact.value) }), curatedNote(fact.curated)),
    el("td", { text: fact.meaning || "" }),
    el("td", null, originNode(fact.origin))));
  return rows.length ? [el("h3", { class: "section-title", text: "Indicators" }), table(["", "Value", "Meaning", "Source"], rows)] : [];
}

function unitsSection(units) {
  const out = [el("h3", { class: "section-title", text: "Units (MUE)" })];
  if (units.mue === null || units.mue === undefined) {
    out.push(el("p", { class: "muted", text: (units.notices || []).join(" ") || "No MUE known." }));
    return out;
  }
  out.push(el("p", { class: "units" }, el("strong", { text: units.mue + " per " + units.per + ", MAI " + units.mai }), " · ",
    originNode(units.origin)), el("p", { class: "small", text: "MAI " + units.mai + ": " + units.appeal }));
  const note = curatedNote(units.curated);
  if (note) out.push(note);
  return out;
}

function pairsSection(detail) {
  const out = [el("h3", { class: "section-title", text: "PTP pairs (" + detail.pairs.length + ")" })];
  if (!detail.pairs.length) {
    out.push(el("p", { class: "muted", text: "No NCCI PTP edit with this code on this date." }));
    return out;
  }
  const box = el("div", { class: "pair-detail", id: "pair-detail", hidden: true });
  const rows = detail.pairs.map((p) => el("tr", { "data-pair": p.col1 + "/" + p.col2 },
    el("td", null, p.col1 === detail.code ? el("span", { class: "code", text: p.col1 }) : codeButton(p.col1)),
    el("td", null, p.col2 === detail.code ? el("span", { class: "code", text: p.col2 }) : codeButton(p.col2)),
    el("td", null, String(p.mi), p.curated_mi !== null && p.curated_mi !== undefined
      ? el("div", { class: "differs", text: "curated: " + p.curated_col1 + " column 1, MI " + p.curated_mi }) : null),
    el("td", { text: p.rationale }),
    el("td", { text: [p.effective, p.deleted ? "deleted " + p.deleted : ""].filter(Boolean).join(" · ") }),
    el("td", null, originNode(p.origin)),
    el("td", null, el("button", { type: "button", class: "btn btn-ghost btn-sm pair-rules", text: "Bypass?",
      "aria-controls": "pair-detail", on: { click: () => showPair(detail.code, p.other, box) } }))));
  out.push(table(["Column 1", "Column 2", "MI", "Rationale", "Dates", "Source", ""], rows), box);
  return out;
}

async function showPair(a, b, box) {
  box.hidden = false;
  box.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
  try {
    const p = await api("GET", "/api/pairs?a=" + encodeURIComponent(a) + "&b=" + encodeURIComponent(b) + dateParam().replace("?", "&"));
    box.replaceChildren(el("p", null, el("strong", { text: p.message })),
      p.bypass.length ? el("p", { class: "small", text: "Bypasses it:" }) : null,
      p.bypass.length ? el("ul", { class: "bypass" }, p.bypass.map((x) => el("li", { text: x }))) : null,
      p.not_bypass.length ? el("p", { class: "small", text: "Does not bypass it:" }) : null,
      p.not_bypass.length ? el("ul", { class: "not-bypass" }, p.not_bypass.map((x) => el("li", { text: x }))) : null);
  } catch (err) {
    box.replaceChildren(alertBox("Pair look-up failed: " + err.message));
  }
}

function lcdSection(detail) {
  if (!detail.lcd.length && !detail.noncovered) return [];
  const rows = detail.lcd.map((r) => el("tr", null, el("td", { text: r.rule }),
    el("td", { text: Array.isArray(r.value) ? r.value.join(", ") : String(r.value) }),
    el("td", { text: [r.documents.join(", "), r.note || ""].filter(Boolean).join(" · ") }),
    el("td", { class: "origin", text: r.confidence })));
  return [el("h3", { class: "section-title", text: "Medicare LCD rules" }), table(["Rule", "Value", "LCD / article, note", "Confidence"], rows)];
}

/** The family's LCD and billing article in each MAC jurisdiction (jurisdictions.yaml), with its confidence. */
function jurisdictionSection(detail) {
  const refs = detail.lcd_by_jurisdiction || [];
  if (!refs.length) return [];
  const rows = refs.map((j) => el("tr", { class: j.default ? "default-mac" : null }, el("td", { text: j.jurisdiction + (j.default ? " (ADVISOR_MAC)" : "") }),
    el("td", { text: j.mac }), el("td", null, externalLink(j.url, "LCD " + j.lcd)), el("td", { text: j.article || "none listed" }),
    el("td", { class: "origin", text: j.confidence })));
  return [el("h3", { class: "section-title", text: "LCD and billing article by MAC jurisdiction (" + detail.lcd_topic + ")" }),
    table(["Jurisdiction", "MAC", "LCD", "Billing article", "Confidence"], rows)];
}

function listSection(title, items) {
  return items.length ? [el("h3", { class: "section-title", text: title }), el("ul", { class: "notices" }, items.map((t) => el("li", { text: t })))] : [];
}

function renderDetail(d) {
  const head = el("div", { class: "code-head" }, el("span", { class: "code", text: d.code }),
    el("span", { class: "descriptor", text: d.descriptor || "Not in the curated catalog (no descriptor of our own)" }));
  const fam = d.family ? el("p", { class: "muted small", text: d.family.label + [d.family.region, d.family.level ? "level " + d.family.level : "", d.family.target, d.family.joint_size].filter(Boolean).map((x) => " · " + x).join("") }) : null;
  const links = [];
  if (d.primaries.length) links.push(el("p", { class: "small" }, "Primary codes: ", d.primaries.map((c) => [codeButton(c), " "])));
  if (d.addons.length) links.push(el("p", { class: "small" }, "Add-ons reported with it: ", d.addons.map((c) => [codeButton(c), " "])));
  if (d.twin) links.push(el("p", { class: "small" }, "Guided/unguided twin: ", codeButton(d.twin)));
  return el("div", { class: "code-detail", "data-code": d.code },
    head, fam, el("p", { class: "muted small", text: "Date of service " + d.date }),
    listSection("Notes", d.notices), ...links, ...factsSection(d), ...unitsSection(d.units), ...pairsSection(d),
    ...lcdSection(d), ...jurisdictionSection(d), d.noncovered ? el("p", { class: "differs", text: "Not covered: " + d.noncovered }) : null,
    ...listSection("Curated and imported values differ", d.differences.map((x) => x.field + ": curated " + x.curated + ", " + x.table + " " + x.imported)),
    ...listSection("Guidance that discusses it", d.knowledge.map((s) => s.title + " › " + (s.section || "(introduction)"))));
}

/** Open one code in the reader; a 404 shows the close matches as buttons. */
export async function openCode(code) {
  state.current = code;
  const reader = $("#code-reader");
  reader.replaceChildren(el("p", { class: "muted", text: "Loading " + code + "…" }));
  try {
    const detail = await api("GET", "/api/codes/" + encodeURIComponent(code) + dateParam());
    reader.replaceChildren(renderDetail(detail));
  } catch (err) {
    const near = (err.body && Array.isArray(err.body.suggestions)) ? err.body.suggestions : [];
    reader.replaceChildren(alertBox(err.message, { action: near.length ? el("span", null, near.map((c) => [codeButton(c), " "])) : null }));
  }
  for (const b of document.querySelectorAll("#codes-list .doc-item")) {
    if (b.dataset.code === code) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
  }
  reader.focus();
  scrollIntoViewOnPhone(reader);
}

async function search(query) {
  const list = $("#codes-list");
  if (!query) { list.replaceChildren(); $("#codes-count").textContent = ""; return; }
  $("#codes-count").textContent = "Searching…";
  let hits;
  try {
    hits = await api("GET", "/api/codes?q=" + encodeURIComponent(query));
  } catch (err) {
    $("#codes-count").textContent = "";
    list.replaceChildren(el("li", null, alertBox("Search failed: " + err.message)));
    return;
  }
  $("#codes-count").textContent = hits.length + (hits.length === 1 ? " code" : " codes");
  list.replaceChildren(...hits.map((h) => el("li", null, el("button", {
    type: "button", class: "doc-item", "data-code": h.code, on: { click: () => openCode(h.code) } },
  el("span", { class: "doc-item-title" }, el("span", { class: "code-tag", text: h.code }), " ", h.label || ""),
  el("span", { class: "small muted", text: h.descriptor || "imported CMS row only" })))));
  if (!hits.length) list.appendChild(el("li", { class: "muted", text: "No code matches." }));
  // A whole code opens at once: its page, or the close matches when no table knows it.
  const whole = /^[A-Za-z0-9]{5}$/.test(query) && /\d/.test(query);
  if (whole && (!hits.length || hits[0].code === query.toUpperCase())) openCode(query.toUpperCase());
}

/** Wire the search form and the date (a new date reopens the current code). */
export function initCodes() {
  $("#codes-search").addEventListener("submit", (e) => { e.preventDefault(); search($("#codes-query").value.trim()); });
  $("#codes-date").addEventListener("change", () => { if (state.current) openCode(state.current); });
}
