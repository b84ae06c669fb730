/* The Quick check tab: claim lines and a few encounter facts go to POST /api/check; shows status, findings and the
   corrected claim. */
import { api } from "./api.js";
import { $, alertBox, announce, el, scrollIntoViewOnPhone } from "./dom.js";
import { claimSection, estimateParts, findingsSection } from "./claims.js";
import { historySummary, linesWithDiagnoses, markInvalid, readHistory, renderDxRows, resetHistory } from "./checkfacts.js";

const STATUS_LABELS = { clean: "Clean", warnings: "Warnings", errors: "Errors" };

/** "99213-25, 64493-50\n64494-50" -> ["99213-25", "64493-50", "64494-50"] (commas, semicolons or new lines). */
export function splitClaimText(text) {
  return String(text).split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean);
}

function triState(value) { return value === "" ? undefined : value === "true"; }

function readFacts() {
  const facts = { claim_type: $("#check-claim-type").value };
  const mac = $("#check-mac").value.trim();
  if (mac) facts.mac = mac;
  if ($("#check-dos").value) facts.date_of_service = $("#check-dos").value;
  const sep = triState($("#fact-separate").value);
  const diag = triState($("#fact-diagnostic").value);
  const img = triState($("#fact-us-image").value);
  if (sep !== undefined) facts.separate_problem = sep;
  if (diag !== undefined) facts.diagnostic = diag;
  if ($("#fact-imaging").value) facts.imaging = $("#fact-imaging").value;
  if (img !== undefined) facts.ultrasound = img ? { real_time: true, permanent_image: true, report: true } : { permanent_image: false };
  return Object.assign(facts, readHistory());
}

async function runCheck(event) {
  if (event) event.preventDefault();
  const result = $("#check-result");
  const input = $("#check-lines");
  const lines = splitClaimText(input.value);
  if (!lines.length) {
    result.replaceChildren(alertBox("Enter at least one claim line, e.g. 64493-50."));
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  const body = { lines: linesWithDiagnoses(lines), payer: $("#check-payer").value, facts: readFacts() };
  const submit = $("#check-submit");
  submit.disabled = true;
  result.replaceChildren(el("p", { class: "muted", text: "Checking…" }));
  try {
    const res = await api("POST", "/api/check", body);
    markInvalid(null);
    const card = renderCheck(res, body.lines, body.facts);
    result.replaceChildren(card);
    announce("Check finished: " + (STATUS_LABELS[res.status] || res.status));
    if (body.payer === "medicare" && Array.isArray(res.claim) && res.claim.length) addEstimate(card, res.claim);
  } catch (err) {
    const retry = err.status === 0 || err.status >= 500;
    if (err.status === 422) markInvalid(err.body);
    result.replaceChildren(alertBox((err.status === 422 ? "Please fix the claim: " : "The check failed: ") + err.message,
      { onRetry: retry ? () => runCheck(null) : null, attrs: { "data-status": String(err.status) } }));
  } finally {
    submit.disabled = false;
  }
  scrollIntoViewOnPhone(result);
}

function renderCheck(res, submitted, facts) {
  const card = el("div", { class: "card check-card" });
  const status = res.status || "clean";
  card.appendChild(el("div", { class: "result-head" },
    el("h2", { class: "card-title", text: "Result" }),
    el("span", { class: "badge badge-" + status, "data-status": status, text: STATUS_LABELS[status] || status }),
    el("span", { class: "meta", text: "Submitted: " + submitted.join(", ") })));
  const findings = Array.isArray(res.findings) ? res.findings : [];
  if (findings.length) card.appendChild(findingsSection(findings));
  else card.appendChild(el("p", { class: "muted", text: "No findings: the lines pass every rule checked." }));
  if (Array.isArray(res.claim) && res.claim.length) card.appendChild(claimSection(res.claim, "Corrected claim"));
  const used = historySummary(facts, res.claim);
  if (used) card.appendChild(used);
  if (res.applied && res.applied.statement) card.appendChild(el("p", { class: "meta applied", text: "Checked as: " + res.applied.statement }));
  card.appendChild(el("p", { class: "meta", text: "The payer’s current policy rules; verify before you submit." }));
  return card;
}

/** "What this would pay": POST /api/estimate on the corrected claim (needs the imported MPFS RVU file). */
async function addEstimate(card, claim) {
  const section = el("div", { class: "section estimate", "aria-label": "Payment estimate" },
    el("h3", { class: "section-title", text: "What this would pay (estimate)" }), el("p", { class: "muted", text: "Estimating…" }));
  card.insertBefore(section, card.lastChild);
  let est;
  try {
    const body = { lines: claim.map((ln) => ({ code: ln.code, modifiers: ln.modifiers, units: ln.units })) };
    const locality = $("#check-locality").value.trim();
    if (locality) body.locality = locality;
    est = await api("POST", "/api/estimate", body);
  } catch (err) {
    section.replaceChildren(section.firstChild, el("p", { class: "muted small", text: err.status === 409 ? "No estimate: " + err.message : "Estimate unavailable: " + err.message }));
    return;
  }
  section.replaceChildren(section.firstChild, ...estimateParts(est));
}

/** Wire the check form (submit runs the check, Clear empties the result). */
export function initCheck() {
  $("#check-form").addEventListener("submit", runCheck);
  $("#check-form").addEventListener("reset", () => { $("#check-result").replaceChildren(); resetHistory(); });
  $("#check-lines").addEventListener("input", () => renderDxRows(splitClaimText($("#check-lines").value)));
  renderDxRows([]);
}
