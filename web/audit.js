/* Practice audit tab: mount(root) renders the upload form and the report into root (main.js mounts it on the element
   with id "audit-root"). CSP-safe: no inline scripts or styles, no HTML parsing of data: every string from the file or
   the server reaches the page through textContent or DOM attributes. Uploads go to POST /api/audit (multipart "file");
   nothing is stored on the server. */
import { csrfHeaders } from "./api.js";
import { el, svg } from "./dom.js";

const MAX_ROWS = 200;

const pct = (x) => (Number(x) * 100).toFixed(1) + "%";

function table(headers, rows) {
  return el("table", { class: "claim-table audit-table" },
    el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", null, rows.map((cells) => el("tr", null, cells.map((c) => el("td", { text: c }))))));
}

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function csvCell(value) {
  let text = String(value ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
  return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

function findingsCsv(body) {
  const head = ["claim_id", "dos", "patient_id", "provider", "payer", "lines", "codes", "rule", "severity",
    "confidence", "message"];
  const lines = [head.join(",")];
  for (const f of body.findings) {
    lines.push([f.claim_id, f.dos, f.patient_id, f.provider, f.payer, f.lines.join(" "), f.codes.join(" "), f.rule,
      f.severity, f.confidence, f.message].map(csvCell).join(","));
  }
  for (const r of body.row_errors) lines.push(["", "", "", "", "", r.line, "", "MALFORMED-ROW", "error", "", r.reason]
    .map(csvCell).join(","));
  return lines.join("\n") + "\n";
}

function rateChart(pattern, threshold) {
  const rows = (pattern.table || []).slice(0, 25);
  if (!rows.length) return null;
  const labelW = 150, barW = 360, rowH = 22, height = rows.length * rowH + 26, width = labelW + barW + 120;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img",
    "aria-label": "Modifier 25 rate on injection days by provider", class: "audit-chart" });
  rows.forEach((r, i) => {
    const y = i * rowH, w = Math.max(0, Math.min(1, Number(r.mod25_rate))) * barW;
    const over = Number(r.mod25_rate) > threshold;
    chart.appendChild(svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end", "font-size": 12,
      text: String(r.provider).slice(0, 24) }));
    chart.appendChild(svg("rect", { x: labelW, y: y + 3, width: w.toFixed(1), height: rowH - 6,
      fill: over ? "#c4423b" : "#3b82c4" }, svg("title", { text: `${r.provider}: ${pct(r.mod25_rate)}` })));
    chart.appendChild(svg("text", { x: labelW + w + 4, y: y + 15, "font-size": 12,
      text: `${pct(r.mod25_rate)} of ${r.injection_days} days` }));
  });
  const tx = labelW + threshold * barW, bottom = rows.length * rowH;
  chart.appendChild(svg("line", { x1: tx, x2: tx, y1: 0, y2: bottom, stroke: "#1d2733", "stroke-dasharray": "4 3" }));
  chart.appendChild(svg("text", { x: tx, y: bottom + 16, "text-anchor": "middle", "font-size": 12,
    text: `threshold ${Math.round(threshold * 100)}%` }));
  return el("figure", { class: "audit-figure" },
    el("figcaption", { text: "Modifier 25 rate on injection days, by provider" }), chart);
}

function renderPattern(p) {
  const flagged = p.flags.length > 0;
  const box = el("details", { class: "card audit-pattern" + (flagged ? " audit-flagged" : ""), open: flagged });
  box.appendChild(el("summary", null,
    el("strong", { text: p.title }), " ",
    el("span", { class: "audit-badge", text: flagged ? `${p.flags.length} flagged` : "none" })));
  box.appendChild(el("p", { text: p.basis }));
  box.appendChild(el("p", { class: "audit-muted", text: "Flag when: " + p.threshold + ". Checked: " + p.checked }));
  if (p.at_risk) {  // only when the server has the MPFS RVU file imported
    const r = p.at_risk;
    box.appendChild(el("p", { class: "audit-at-risk", text: `Dollars at risk (estimate): $${r.non_facility.toFixed(2)} non-facility, `
      + `$${r.facility.toFixed(2)} facility, over ${r.claims} claims. ${r.label}` }));
  }
  box.appendChild(el("details", null, el("summary", { text: "Sources" }),
    el("ul", null, p.references.map((r) => el("li", { text: r })))));
  for (const f of p.flags) {
    box.appendChild(el("h4", { text: `${f.subject} (${f.level})` }));
    box.appendChild(el("p", { text: f.message }));
    box.appendChild(el("details", null,
      el("summary", { text: `Claims behind this flag (${f.claims_total})` }),
      table(["Claim", "Date of service", "File line(s)", "Lines"],
        f.claims.map((c) => [c.claim_id, c.dos, c.lines.join(", "), c.codes.join(", ")]))));
  }
  return box;
}

function renderResult(out, body, file) {
  out.replaceChildren();
  const s = body.summary;
  const cards = [
    ["Claims", s.claims.toLocaleString()], ["Claim lines", s.lines.toLocaleString()],
    ["Claims with errors", `${s.claims_with_errors.toLocaleString()} (${pct(s.error_rate)})`],
    ["Claims with warnings", `${s.claims_with_warnings.toLocaleString()} (${pct(s.warning_rate)})`],
    ["Patterns flagged", `${s.patterns_flagged} of ${body.patterns.length}`],
    ["Malformed rows", s.malformed_rows.toLocaleString()],
  ];
  out.appendChild(el("h2", { text: "Summary" }));
  out.appendChild(el("div", { class: "audit-cards" },
    cards.map(([k, v]) => el("div", { class: "card audit-card" }, el("div", { class: "audit-muted", text: k }),
      el("strong", { text: v })))));
  out.appendChild(el("p", { class: "audit-muted",
    text: `${s.providers} providers, ${s.patients} patients, dates ${s.first_dos} to ${s.last_dos}; ` +
      `read as ${s.encoding}, delimiter ${s.delimiter}; ${s.seconds.toFixed(1)} s.` }));
  for (const note of s.notes) out.appendChild(el("p", { class: "audit-note", text: "Note: " + note }));
  out.appendChild(el("div", { class: "audit-actions" },
    el("button", { type: "button", class: "btn", text: "Download HTML report",
      on: { click: () => saveReport(file, out) } }),
    el("button", { type: "button", class: "btn", text: "Download findings CSV",
      on: { click: () => download("findings.csv", new Blob([findingsCsv(body)], { type: "text/csv" })) } })));
  if (body.findings_truncated) {
    out.appendChild(el("p", { class: "audit-note",
      text: `Showing ${body.findings.length.toLocaleString()} of ${body.findings_total.toLocaleString()} findings; ` +
        "the HTML report and `advisor audit --out` have them all." }));
  }
  const mod25 = body.patterns.find((p) => p.id === "MOD25-RATE");
  const threshold = body.options ? Number(body.options.mod25_threshold) : 0.5;
  const chart = mod25 && rateChart(mod25, threshold);
  if (chart) out.appendChild(chart);
  out.appendChild(el("h2", { text: "Panel patterns" }));
  const patterns = [...body.patterns].sort((a, b) => b.flags.length - a.flags.length);
  for (const p of patterns) out.appendChild(renderPattern(p));
  out.appendChild(el("h2", { text: "Findings on individual claims" }));
  const shown = body.findings.filter((f) => f.severity !== "info").slice(0, MAX_ROWS);
  out.appendChild(shown.length
    ? table(["Claim", "DOS", "Provider", "File line(s)", "Rule", "Severity", "Message"],
      shown.map((f) => [f.claim_id, f.dos, f.provider, f.lines.join(", "), f.rule, f.severity, f.message]))
    : el("p", { text: "No errors or warnings on individual claims." }));
  if (body.row_errors.length) {
    out.appendChild(el("h2", { text: "Rows that could not be read" }));
    out.appendChild(table(["Line", "Problem"], body.row_errors.slice(0, MAX_ROWS).map((r) => [r.line, r.reason])));
  }
}

async function saveReport(file, out) {
  const data = new FormData();
  data.append("file", file, file.name);
  try {
    const res = await fetch("/api/audit?format=html", { method: "POST", body: data, headers: csrfHeaders() });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
    download(file.name.replace(/\.[^.]*$/, "") + "-audit.html", await res.blob());
  } catch (err) {
    out.prepend(el("p", { class: "audit-error", role: "alert", text: "Report download failed: " + err.message }));
  }
}

/** Render the audit form into `root` (once). */
export function mount(root) {
  if (!root || root.dataset.auditMounted) return;
  root.dataset.auditMounted = "1";
  const input = el("input", { type: "file", id: "audit-file", accept: ".csv,.txt,.tsv,text/csv", required: true });
  const button = el("button", { type: "submit", class: "btn btn-primary", text: "Run audit" });
  const status = el("p", { class: "audit-status", role: "status", "aria-live": "polite" });
  const out = el("div", { class: "audit-output" });
  const form = el("form", { class: "card audit-form" },
    el("h2", { text: "Practice audit" }),
    el("p", { text: "Upload a CSV export of claim lines (one row per line: claim id, patient id, rendering " +
      "provider, date of service, code, modifiers, units, payer; optional POS and diagnoses). Every claim is " +
      "checked and the panel patterns auditors look for are flagged. The file is processed in memory and not kept." }),
    el("label", { for: "audit-file", text: "Claims file " }), input, " ", button, status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = input.files && input.files[0];
    if (!file) { status.textContent = "Choose a CSV file first."; return; }
    const data = new FormData();
    data.append("file", file, file.name);
    button.disabled = true;
    status.textContent = `Auditing ${file.name}…`;
    out.replaceChildren();
    try {
      const res = await fetch("/api/audit?max_findings=20000", { method: "POST", body: data, headers: csrfHeaders() });
      const body = await res.json().catch(() => null);
      if (!res.ok || !body) throw new Error((body && body.message) || `HTTP ${res.status}`);
      status.textContent = `Audited ${body.summary.claims.toLocaleString()} claims.`;
      renderResult(out, body, file);
    } catch (err) {
      status.textContent = "";
      out.appendChild(el("p", { class: "audit-error", role: "alert", text: "Audit failed: " + err.message }));
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(form, out);
}

// The tab's public hook, as before the modules: window.PainAudit.mount(element) from the console or another page.
window.PainAudit = Object.freeze({ mount });
