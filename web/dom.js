/* Shared DOM helpers for the web app and the audit tab. No innerHTML: text always goes through textContent. */
(function () {
  "use strict";

  /** el("div", {class: "x", text: "hello", "aria-label": "y"}, child, "text child") */
  function el(tag, attrs, ...children) {
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

  window.PainDom = Object.freeze({ el });
})();
