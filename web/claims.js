/* Claim lines and rule findings as the Chat answers and the Quick check show them. */
import { el, icon } from "./dom.js";
import { externalLink, safeUrl } from "./sanitize.js";

const diagnosesOf = (line) => (Array.isArray(line.diagnoses) ? line.diagnoses : []);

/** "64493-50 x2" from {code, modifiers, units}, with " dx M47.816" when the line has diagnoses (the text the check
    reads back); a string passes through. */
export function formatLine(line) {
  if (typeof line === "string") return line;
  const mods = Array.isArray(line.modifiers) ? line.modifiers : [];
  const text = [line.code, ...mods].join("-");
  const units = Number(line.units || 1);
  const dx = diagnosesOf(line);
  return (units !== 1 ? text + " x" + units : text) + (dx.length ? " dx " + dx.join(" ") : "");
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

function claimTable(lines, caption) {
  const withDx = lines.some((line) => diagnosesOf(line).length);
  const table = el("table", { class: "claim-table" },
    caption ? el("caption", { class: "sr-only", text: caption }) : null,
    el("thead", null, el("tr", null,
      el("th", { scope: "col", text: "Code" }), el("th", { scope: "col", text: "Modifiers" }),
      el("th", { scope: "col", class: "num", text: "Units" }),
      withDx ? el("th", { scope: "col", text: "Diagnoses" }) : null)));
  const body = el("tbody");
  for (const line of lines) {
    const mods = Array.isArray(line.modifiers) ? line.modifiers : [];
    body.appendChild(el("tr", null,
      el("td", { class: "code", text: line.code }),
      el("td", { text: mods.length ? mods.join(", ") : "—" }),
      el("td", { class: "num", text: String(line.units || 1) }),
      withDx ? el("td", { class: "dx", text: diagnosesOf(line).join(", ") || "—" }) : null));
  }
  table.appendChild(body);
  return table;
}

/** A titled claim table with a button that copies the lines as text, one per line. */
export function claimSection(lines, title) {
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

/** The "Findings" section: rule findings, errors first, each with its codes and up to four sources. */
export function findingsSection(findings) {
  return el("div", { class: "section" }, el("h3", { class: "section-title", text: "Findings" }), findingsList(findings));
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

const money = (x) => (x === null || x === undefined ? "not priced" : "$" + Number(x).toFixed(2));

/** The table and label of a payment estimate (POST /api/estimate, or an answer's `estimate`). */
export function estimateParts(est) {
  const rows = est.lines.map((ln) => el("tr", null, el("td", { class: "code", text: ln.line }),
    el("td", { class: "num", text: money(ln.non_facility) }), el("td", { class: "num", text: money(ln.facility) }),
    el("td", { class: "small", text: ln.adjustments.join("; ") })));
  rows.push(el("tr", { class: "total" }, el("th", { scope: "row", text: "Total" }), el("td", { class: "num", text: money(est.total_non_facility) }),
    el("td", { class: "num", text: money(est.total_facility) }), el("td")));
  return [
    el("table", { class: "claim-table estimate-table" },
      el("thead", null, el("tr", null, ["Line", "Non-facility", "Facility", "How"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", null, rows)),
    el("p", { class: "meta", text: est.label + " Conversion factor " + est.conversion_factor + " (" + est.conversion_factor_origin.table + ")."
      + (est.locality ? " GPCI work " + est.locality.pw_gpci + ", PE " + est.locality.pe_gpci + ", MP " + est.locality.mp_gpci + " (" + est.locality.origin.table + ")." : "") }),
  ];
}

/** An answer's claim priced (only present when the server has the MPFS RVU file imported). */
export function estimateSection(est) {
  return el("div", { class: "section estimate", "aria-label": "Payment estimate" },
    el("h3", { class: "section-title", text: "What this would pay (estimate)" }), ...estimateParts(est));
}
