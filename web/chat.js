/* The Chat tab: the composer, asking (streamed), the conversation view, errors with retry, and switching between
   conversations (the history sidebar in history.js lists them). */
import { ApiError, api, streamAsk } from "./api.js";
import { $, announce, alertBox, el } from "./dom.js";
import { VERDICTS, renderAnswer, streamingAnswer } from "./answer.js";
import { closeCitation } from "./citations.js";
import { activeConversation, closeSidebar, conversationTitle, loadHistory, setActive } from "./history.js";
import { chosenLocality } from "./locality.js";

let busy = false;

const messages = () => $("#messages");
const questionBox = () => $("#question");

function scrollToEnd() {
  const box = messages();
  box.scrollTop = box.scrollHeight;
}

function appendUser(text) {
  const node = el("div", { class: "msg msg-user" }, el("div", { class: "bubble", "data-role": "question", text }));
  messages().appendChild(node);
  scrollToEnd();
  return node;
}

function showAskError(err, question, userNode) {
  const lostConversation = err.status === 404 && err.body && err.body.where === "conversation_id";
  if (lostConversation) setConversation(null, null);
  const retry = lostConversation || err.status === 0 || err.status >= 500 || err.status === 429;
  const text = lostConversation
    ? "This conversation no longer exists. Retry to ask the question in a new conversation."
    : retry
      ? (err.status === 0 ? err.message : "The answer could not be produced: " + err.message)
      : err.message;
  const box = el("div", { class: "msg msg-error" });
  const onRetry = () => {
    box.remove();
    userNode.remove();
    if (lostConversation) messages().replaceChildren($("#empty-state")); // the old turns are gone
    if (questionBox().value.trim() === question.trim()) setQuestion("");
    ask(question);
  };
  box.appendChild(retry ? alertBox(text, { onRetry })
    : alertBox(text, { action: el("span", { class: "muted small", text: "Edit the question below and send it again." }) }));
  messages().appendChild(box);
  if (!questionBox().value.trim()) setQuestion(question);
  scrollToEnd();
  announce(text);
}

function setQuestion(text) {
  const q = questionBox();
  q.value = text;
  autoresize();
  updateSend();
}

function updateSend() {
  $("#send").disabled = busy || !questionBox().value.trim();
}

function autoresize() {
  const q = questionBox();
  q.style.height = "auto";
  q.style.height = Math.min(q.scrollHeight + 2, 220) + "px";
}

async function ask(question) {
  const q = String(question || "").trim();
  if (!q || busy) return;
  busy = true;
  updateSend();
  $("#empty-state").hidden = true;
  for (const old of messages().querySelectorAll(".msg-error")) old.remove();
  const userNode = appendUser(q);
  if (questionBox().value.trim() === q) setQuestion("");
  const pending = streamingAnswer(scrollToEnd);
  messages().appendChild(pending.node);
  scrollToEnd();
  announce("Answering…");
  const body = { question: q, conversation_id: activeConversation(), payer: $("#payer").value || null };
  const locality = chosenLocality();
  if (locality) body.locality = locality;
  try {
    const answer = await streamAsk(body, (text) => pending.update(text), (stage) => pending.stage(stage));
    pending.node.remove();
    messages().appendChild(renderAnswer(answer, null));
    scrollToEnd();
    if (answer.conversation_id && answer.conversation_id !== activeConversation()) {
      setConversation(answer.conversation_id, null);
    }
    announce("Answer ready" + (answer.verdict && VERDICTS[answer.verdict] ? ": " + VERDICTS[answer.verdict] : ""));
    loadHistory();
  } catch (err) {
    pending.node.remove();
    showAskError(err instanceof ApiError ? err : new ApiError(String(err && err.message || err), 0, null), q, userNode);
  } finally {
    busy = false;
    updateSend();
  }
}

function setConversation(id, title) {
  setActive(id);
  if (id) window.history.replaceState(null, "", "#c/" + encodeURIComponent(id));
  else window.history.replaceState(null, "", window.location.pathname);
  $("#chat-title").textContent = title || conversationTitle(id) || (id ? "Conversation" : "New conversation");
}

/** Start a new, empty conversation. */
export function newChat() {
  closeCitation();
  const empty = $("#empty-state");
  messages().replaceChildren(empty);
  empty.hidden = false;
  setConversation(null, null);
  setQuestion("");
  closeSidebar();
  questionBox().focus();
}

/** Load conversation `id` with its answers and feedback into the view. */
export async function openConversation(id) {
  closeCitation();
  let conv;
  try {
    conv = await api("GET", "/api/conversations/" + encodeURIComponent(id));
  } catch (err) {
    if (err.status === 404) {
      newChat();
      messages().appendChild(el("div", { class: "msg" }, el("div", { class: "alert alert-info", role: "alert", text: "That conversation no longer exists." })));
      loadHistory();
      return;
    }
    messages().appendChild(el("div", { class: "msg msg-error" }, alertBox("Could not open the conversation: " + err.message,
      { onRetry: (e) => { e.currentTarget.closest(".msg").remove(); openConversation(id); } })));
    return;
  }
  const empty = $("#empty-state");
  messages().replaceChildren(empty);
  empty.hidden = conv.turns.length > 0;
  for (const turn of conv.turns) {
    appendUser(turn.question);
    const answer = Object.assign({}, turn.answer, { answer_id: turn.answer_id, conversation_id: conv.id });
    messages().appendChild(renderAnswer(answer, turn.feedback));
  }
  setConversation(conv.id, conv.title);
  closeSidebar();
  scrollToEnd();
  announce("Opened " + conv.title);
}

/** Wire the composer (Enter sends, Shift+Enter is a new line) and the suggestions. */
export function initChat() {
  const q = questionBox();
  q.addEventListener("input", () => { updateSend(); autoresize(); });
  q.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (!$("#send").disabled) ask(q.value);
    }
  });
  $("#composer").addEventListener("submit", (e) => { e.preventDefault(); if (!$("#send").disabled) ask(q.value); });
  for (const btn of document.querySelectorAll(".suggestion")) btn.addEventListener("click", () => ask(btn.textContent));
  $("#new-chat").addEventListener("click", newChat);
  updateSend();
}
