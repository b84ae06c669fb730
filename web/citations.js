/* The citation side panel: the cited passage, its public sources and its whole document. */
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { renderDocument, sourcesSection } from "./knowledge.js";
import { renderMarkdown } from "./markdown.js";

let lastFocus = null; // where focus returns when the panel closes

/** Open the panel on citation `cite`; `trigger` gets the focus back on close. */
export function openCitation(cite, trigger) {
  lastFocus = trigger || document.activeElement;
  const panel = $("#cite-panel");
  const body = $("#cite-body");
  $("#cite-title").textContent = "[" + cite.n + "] " + (cite.title || cite.doc || "Source");
  body.replaceChildren();
  if (cite.section) body.appendChild(el("p", { class: "muted small", text: "Section: " + cite.section }));
  body.appendChild(el("h3", { class: "section-title", text: "Cited passage" }));
  body.appendChild(el("blockquote", { class: "passage doc-html", "data-role": "passage" }, renderMarkdown(cite.text || "(no passage text)", null)));
  const sources = Array.isArray(cite.sources) ? cite.sources : [];
  if (sources.length) body.append(...sourcesSection(sources));
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

/** Close the panel (if open) and give the focus back to what opened it. */
export function closeCitation() {
  const panel = $("#cite-panel");
  if (panel.hidden) return;
  panel.hidden = true;
  if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
  lastFocus = null;
}

export function isCitationOpen() {
  return !$("#cite-panel").hidden;
}
