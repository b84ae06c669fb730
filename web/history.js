/* The history sidebar: the stored conversations (open, rename, delete) and which one is open. Opening and starting
   a conversation belong to chat.js, which main.js passes in through initHistory(). */
import { api } from "./api.js";
import { $, announce, el, icon } from "./dom.js";

let conversations = [];
let activeId = null; // the open conversation, null for a new one
let actions = null; // {open(id), newChat()}, from initHistory

/** The id of the open conversation (null for a new one). */
export const activeConversation = () => activeId;

/** The stored title of conversation `id`, if the list has it. */
export function conversationTitle(id) {
  const conv = conversations.find((c) => c.id === id);
  return conv ? conv.title : null;
}

/** Mark conversation `id` (or none) as the open one. */
export function setActive(id) {
  activeId = id;
  for (const item of document.querySelectorAll(".conv-item")) item.classList.toggle("active", item.dataset.id === id);
}

/** Fetch the conversation list and render it; an error shows in the sidebar. */
export async function loadHistory() {
  const error = $("#history-error");
  try {
    conversations = await api("GET", "/api/conversations");
    error.hidden = true;
  } catch (err) {
    error.textContent = "History unavailable: " + err.message;
    error.hidden = false;
    return;
  }
  renderHistory();
}

function renderHistory() {
  const list = $("#conv-list");
  list.replaceChildren();
  $("#history-empty").hidden = conversations.length > 0;
  for (const conv of conversations) list.appendChild(historyItem(conv));
  const active = conversations.find((c) => c.id === activeId);
  if (active) $("#chat-title").textContent = active.title;
}

function historyItem(conv) {
  const li = el("li", { class: "conv-item" + (conv.id === activeId ? " active" : ""), "data-id": conv.id });
  const openBtn = el("button", {
    type: "button", class: "conv-open", title: conv.title, text: conv.title,
    "aria-current": conv.id === activeId ? "true" : null,
    on: { click: () => actions.open(conv.id) },
  });
  const renameBtn = el("button", { type: "button", class: "btn btn-ghost btn-icon conv-rename-btn", "aria-label": "Rename conversation: " + conv.title, title: "Rename", on: { click: () => startRename(li, conv) } }, icon("edit"));
  const deleteBtn = el("button", { type: "button", class: "btn btn-ghost btn-icon btn-danger conv-delete-btn", "aria-label": "Delete conversation: " + conv.title, title: "Delete", on: { click: () => confirmDelete(li, conv) } }, icon("trash"));
  li.append(openBtn, el("span", { class: "conv-actions" }, renameBtn, deleteBtn));
  return li;
}

function focusItem(id, selector) {
  const item = document.querySelector('.conv-item[data-id="' + CSS.escape(id) + '"]');
  const target = item && item.querySelector(selector);
  if (target) target.focus();
}

function startRename(li, conv) {
  const inputId = "rename-" + conv.id;
  const input = el("input", { type: "text", id: inputId, maxlength: "200", value: conv.title, autocomplete: "off" });
  const error = el("span", { class: "sr-only", role: "alert" });
  const cancel = () => { renderHistory(); focusItem(conv.id, ".conv-rename-btn"); };
  const form = el("form", { class: "conv-rename" },
    el("label", { class: "sr-only", for: inputId, text: "New title" }), input,
    el("button", { type: "submit", class: "btn btn-sm btn-primary", text: "Save" }),
    el("button", { type: "button", class: "btn btn-sm btn-ghost", text: "Cancel", on: { click: cancel } }),
    error);
  form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const title = input.value.trim();
    if (!title) { input.setAttribute("aria-invalid", "true"); error.textContent = "The title cannot be empty."; input.focus(); return; }
    try {
      await api("PATCH", "/api/conversations/" + encodeURIComponent(conv.id), { title });
    } catch (err) {
      error.className = "sidebar-error";
      error.textContent = err.message;
      return;
    }
    await loadHistory();
    if (conv.id === activeId) $("#chat-title").textContent = title;
    focusItem(conv.id, ".conv-open");
    announce("Renamed to " + title);
  });
  li.replaceChildren(form);
  input.focus();
  input.select();
}

function confirmDelete(li, conv) {
  const yes = el("button", { type: "button", class: "btn btn-sm btn-danger conv-confirm-delete", text: "Delete" });
  const no = el("button", { type: "button", class: "btn btn-sm btn-ghost", text: "Cancel" });
  const box = el("div", { class: "conv-confirm", role: "group", "aria-label": "Confirm delete" },
    el("span", { text: "Delete “" + (conv.title.length > 40 ? conv.title.slice(0, 39) + "…" : conv.title) + "”?" }), yes, no);
  const cancel = () => { renderHistory(); focusItem(conv.id, ".conv-delete-btn"); };
  no.addEventListener("click", cancel);
  box.addEventListener("keydown", (e) => { if (e.key === "Escape") cancel(); });
  yes.addEventListener("click", async () => {
    try {
      await api("DELETE", "/api/conversations/" + encodeURIComponent(conv.id));
    } catch (err) {
      if (err.status !== 404) {
        box.replaceChildren(el("span", { class: "sidebar-error", role: "alert", text: "Not deleted: " + err.message }), no);
        return;
      }
    }
    if (conv.id === activeId) actions.newChat();
    await loadHistory();
    announce("Conversation deleted");
    $("#new-chat").focus();
  });
  li.replaceChildren(box);
  no.focus();
}

export const isSidebarOpen = () => $("#sidebar").classList.contains("open");

function openSidebar() {
  $("#sidebar").classList.add("open");
  $("#history-toggle").setAttribute("aria-expanded", "true");
  const first = $("#sidebar").querySelector("button");
  if (first) first.focus();
}

/** Close the sidebar (it only opens as an overlay on narrow screens). */
export function closeSidebar() {
  if (!isSidebarOpen()) return;
  $("#sidebar").classList.remove("open");
  $("#history-toggle").setAttribute("aria-expanded", "false");
}

/** "Delete all my history": every conversation and rating of this account, after a confirmation in place. */
function confirmDeleteAll() {
  const foot = $("#history-wipe");
  const restore = () => { foot.replaceChildren(wipeButton); wipeButton.focus(); };
  const yes = el("button", { type: "button", class: "btn btn-sm btn-danger", id: "confirm-delete-all", text: "Delete everything" });
  const no = el("button", { type: "button", class: "btn btn-sm btn-ghost", text: "Cancel", on: { click: restore } });
  yes.addEventListener("click", async () => {
    try {
      const done = await api("DELETE", "/api/history");
      actions.newChat();
      await loadHistory();
      restore();
      announce("Deleted " + done.conversations + " conversations and " + done.feedback + " ratings");
    } catch (err) {
      foot.replaceChildren(el("span", { class: "sidebar-error", role: "alert", text: "Not deleted: " + err.message }), no);
    }
  });
  foot.replaceChildren(el("div", { class: "conv-confirm", role: "group", "aria-label": "Confirm deleting all history" },
    el("span", { text: "Delete all your conversations and ratings? This cannot be undone." }), yes, no));
  no.focus();
}

let wipeButton = null;

/** Wire the sidebar; `open(id)` and `newChat()` come from chat.js. Loads the list. */
export function initHistory({ open, newChat }) {
  actions = { open, newChat };
  wipeButton = $("#delete-all-history");
  wipeButton.addEventListener("click", confirmDeleteAll);
  $("#sidebar-close").addEventListener("click", () => { closeSidebar(); $("#history-toggle").focus(); });
  $("#history-toggle").addEventListener("click", () => (isSidebarOpen() ? closeSidebar() : openSidebar()));
  loadHistory();
}
