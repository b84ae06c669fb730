/* DOM helpers shared by every module. No innerHTML: text always goes through textContent. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** The first element matching `sel` in `root` (default: the document). */
export const $ = (sel, root) => (root || document).querySelector(sel);

/** el("div", {class: "x", text: "hello", "aria-label": "y", on: {click: fn}}, child, "text child") */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === "hidden") node.hidden = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) append(node, child);
  return node;
}

/** Append a node, text, or (nested) array of them; null/undefined/false are skipped. */
function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) child.forEach((c) => append(parent, c));
  else if (child instanceof Node) parent.appendChild(child);
  else parent.appendChild(document.createTextNode(String(child)));
}

/** svg("rect", {x: 1, text: "label"}, child...): an SVG element; attribute values are strings, "text" is content. */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.appendChild(child);
  return node;
}

const ICONS = {
  up: "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
  down: "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17",
  edit: "M12 20h9M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z",
  trash: "M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
};

/** A 16px stroke icon (decorative: hidden from assistive technology). */
export function icon(name) {
  return svg("svg", {
    viewBox: "0 0 24 24", width: "16", height: "16", "aria-hidden": "true", focusable: "false", fill: "none",
    stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
  }, svg("path", { d: ICONS[name] }));
}

/** An error box: the message, then a Retry button when `onRetry` is given (or any `action` node). */
export function alertBox(text, { onRetry = null, action = null, attrs = null } = {}) {
  return el("div", { class: "alert", role: "alert", ...attrs },
    el("span", { class: "alert-text", text }),
    onRetry ? el("button", { type: "button", class: "btn btn-sm", text: "Retry", on: { click: onRetry } }) : action);
}

/** Say `text` through the page's polite live region. */
export function announce(text) {
  const status = $("#status");
  status.textContent = "";
  window.setTimeout(() => { status.textContent = text; }, 30);
}

/** On a phone-width screen, bring `node` into view (results render below the form there). */
export function scrollIntoViewOnPhone(node) {
  if (window.matchMedia("(max-width: 760px)").matches) node.scrollIntoView({ block: "start" });
}
