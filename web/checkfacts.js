/* Quick check's coder fields beyond the claim lines: a diagnosis field per claim line (ICD-10-CM, sent in the line's
   text as "64493-50 dx M47.816 M54.50", the form the API and the CLI read) and the prior sessions and relief the
   Medicare LCD rules read (prior_blocks, prior_relief_percent, relief_months, prior_sessions). The server validates
   every value and answers a 422 naming the field (`where`), which markInvalid points at. */
import { $, el } from "./dom.js";

const SESSION_LABELS = {
  esi: "ESI", facet_diagnostic: "diagnostic facet", facet_therapeutic: "therapeutic facet", rfa: "facet RFA",
  si_diagnostic: "diagnostic SI joint", si_therapeutic: "therapeutic SI joint", tpi: "trigger point",
};
const HAS_DX = /\sdx\b/i;

/** Rebuild the per-line diagnosis fields for `lines`, keeping what was typed for each line position. */
export function renderDxRows(lines) {
  const box = $("#check-dx-rows");
  const kept = [...box.querySelectorAll("input")].map((input) => input.value);
  if (!lines.length) {
    box.replaceChildren(el("p", { class: "muted small", text: "Enter claim lines above; each gets a diagnosis field here." }));
    return;
  }
  box.replaceChildren(...lines.map((line, i) => {
    const input = el("input", { id: "check-dx-" + (i + 1), type: "text", autocomplete: "off", spellcheck: "false",
      placeholder: "M47.816", "aria-label": "Diagnoses for line " + (i + 1) + ", " + line, "aria-describedby": "check-dx-hint" });
    input.value = kept[i] || "";
    return el("div", { class: "dx-row" }, el("span", { class: "code", text: "Line " + (i + 1) + ": " + line }), input);
  }));
}

/** The claim lines as sent: each with " dx CODES" when its diagnosis field has codes. */
export function linesWithDiagnoses(lines) {
  return lines.map((line, i) => {
    const input = $("#check-dx-" + (i + 1));
    const codes = input ? input.value.split(/[\s,;]+/).filter(Boolean) : [];
    if (!codes.length) return line;
    return line + (HAS_DX.test(line) ? " " : " dx ") + codes.join(" ");
  });
}

/** "80, 85%" -> [80, 85]; a part that is not a number is sent as written, so the 422 names it. */
function percentList(text) {
  return text.split(/[\s,;]+/).map((s) => s.replace(/%$/, "")).filter(Boolean)
    .map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
}

function numberOf(id) {
  const input = $(id);
  if (input.value !== "") return Number(input.value);
  return input.validity && input.validity.badInput ? input.value : undefined; // typed but not a number: let it 422
}

/** The history facts the form holds (only the ones filled in). */
export function readHistory() {
  const facts = {};
  const blocks = percentList($("#fact-prior-blocks").value);
  if (blocks.length) facts.prior_blocks = blocks;
  const relief = numberOf("#fact-prior-relief");
  if (relief !== undefined) facts.prior_relief_percent = relief;
  const months = numberOf("#fact-relief-months");
  if (months !== undefined) facts.relief_months = months;
  const sessions = {};
  for (const input of document.querySelectorAll("[data-session]")) {
    if (input.value !== "") sessions[input.dataset.session] = Number(input.value);
  }
  if (Object.keys(sessions).length) facts.prior_sessions = sessions;
  return facts;
}

/** What the check was given about the patient's history and diagnoses, in words: shown with the result, so the
    coder sees which facts the findings were decided on. */
export function historySummary(facts, claim) {
  const items = [];
  if (Array.isArray(facts.prior_blocks)) items.push("Prior diagnostic blocks: " + facts.prior_blocks.map((b) => b + "%").join(", ") + " relief");
  if (facts.prior_relief_percent !== undefined) items.push("Relief from the last one: " + facts.prior_relief_percent + "%");
  if (facts.relief_months !== undefined) items.push("Relief lasted " + facts.relief_months + " month(s)");
  for (const [family, n] of Object.entries(facts.prior_sessions || {})) {
    items.push(n + " prior " + (SESSION_LABELS[family] || family) + " session(s) in the rolling 12 months");
  }
  const dx = (claim || []).filter((ln) => Array.isArray(ln.diagnoses) && ln.diagnoses.length);
  if (dx.length) items.push("Diagnoses on " + dx.length + " line(s); no rule reads diagnoses yet");
  if (!items.length) return null;
  return el("div", { class: "section facts-section" }, el("h3", { class: "section-title", text: "Decided with" }),
    el("ul", { class: "facts-used" }, items.map((text) => el("li", { text }))));
}

const FIELD_OF = {
  "facts.prior_blocks": "#fact-prior-blocks", "facts.prior_relief_percent": "#fact-prior-relief",
  "facts.relief_months": "#fact-relief-months",
};

/** The form field a 422 problem is about: `where` ("line 2", "facts.prior_blocks.1", "facts.prior_sessions") and its
    message ("line 2 (64494-50 dx 47.816): diagnoses: ...", "facts.prior_sessions: rfa: -1 sessions ..."). */
function fieldOf(where, message) {
  const line = /^line (\d+)$/.exec(where);
  if (line) return /diagnos|'dx'/.test(message) ? $("#check-dx-" + line[1]) : $("#check-lines");
  if (where.startsWith("facts.prior_sessions")) {
    const family = /prior_sessions\.(\w+)/.exec(where) || /prior_sessions: (\w+):/.exec(message);
    return (family && $("#fact-sessions-" + family[1])) || $("[data-session]");
  }
  const id = FIELD_OF[where.replace(/\.\d+$/, "")];
  return id ? $(id) : null;
}

/** Mark the fields a 422 names (every bad line of `details`, else `where`) and clear the others. */
export function markInvalid(body) {
  for (const input of document.querySelectorAll("#check-form [aria-invalid]")) input.removeAttribute("aria-invalid");
  const problems = body && Array.isArray(body.details) && body.details.length ? body.details
    : [{ where: body && body.where, message: body && body.message }];
  for (const p of problems) {
    const target = fieldOf(String(p.where || ""), String(p.message || ""));
    if (target) target.setAttribute("aria-invalid", "true");
  }
}

/** Empty the history fields and the diagnosis rows (the form's Clear). */
export function resetHistory() {
  renderDxRows([]);
  for (const input of document.querySelectorAll("#check-form [aria-invalid]")) input.removeAttribute("aria-invalid");
}
