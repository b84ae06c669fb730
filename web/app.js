/* Pain Coding Advisor web app, entry module: tab switching and wiring. No framework, no build step, no innerHTML:
   every string from a user or the server reaches the page through textContent, the DOM-building Markdown renderer
   (markdown.js) or the allowlist HTML sanitizer (sanitize.js). */
import { mount as mountAudit } from "./audit.js";
import { initChat, newChat, openConversation } from "./chat.js";
import { initCheck, splitClaimText } from "./check.js";
import { closeCitation, isCitationOpen } from "./citations.js";
import { initCodes } from "./codes.js";
import { formatLine } from "./claims.js";
import { $ } from "./dom.js";
import { activeConversation, closeSidebar, initHistory, isSidebarOpen } from "./history.js";
import { watchIndex } from "./indexstatus.js";
import { initKnowledge, loadDocs } from "./knowledge.js";
import { initLocality } from "./locality.js";
import { renderMarkdown } from "./markdown.js";
import { sanitizeHtml } from "./sanitize.js";
import { initSession } from "./session.js";

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

function initTabs() {
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
}

/** The payer choice is remembered across visits (Chat and Quick check start from it). */
function initPayer() {
  const payer = $("#payer");
  try {
    const saved = window.localStorage.getItem("advisor.payer");
    if (saved === "medicare" || saved === "commercial") { payer.value = saved; $("#check-payer").value = saved; }
    else if (saved === "") payer.value = "";
  } catch (_) { /* storage disabled */ }
  payer.addEventListener("change", () => { try { window.localStorage.setItem("advisor.payer", payer.value); } catch (_) { /* ignore */ } });
}

/** #c/<id> opens that conversation. */
function openFromHash() {
  const m = /^#c\/([^/?#]+)$/.exec(window.location.hash);
  if (m && decodeURIComponent(m[1]) !== activeConversation()) {
    selectView("chat", false);
    openConversation(decodeURIComponent(m[1]));
  }
}

// For tests and debugging in the console (pure functions only).
window.AdvisorUI = Object.freeze({ renderMarkdown, sanitizeHtml, splitClaimText, formatLine });

// Module scripts run once the document is parsed: the DOM is ready. The page starts at once; a visitor without a
// session (sign-in mode) is sent on to /login as soon as /api/auth/me says so.
start();
initSession().catch(() => { /* the account area stays empty; every panel reports its own errors */ });

/** Wire every tab and panel. */
function start() {
  initPayer();
  initChat();
  initLocality();
  $("#cite-close").addEventListener("click", closeCitation);
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (isCitationOpen()) closeCitation();
    else if (isSidebarOpen()) { closeSidebar(); $("#history-toggle").focus(); }
  });
  initTabs();
  initCheck();
  initKnowledge();
  initCodes();
  initHistory({ open: openConversation, newChat });
  openFromHash();
  window.addEventListener("hashchange", openFromHash);
  mountAudit($("#audit-root"));
  watchIndex($("#index-banner"));
}
