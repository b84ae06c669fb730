/* Who is using the page. In sign-in mode a visitor without a session is sent to /login, and the top bar shows the
   account, its role and a Sign out button; in single-user mode (no sign-in, loopback only) it says so. */
import { ApiError, api } from "./api.js";
import { $, el } from "./dom.js";

const ROLE_NAMES = { coder: "Coder", lead: "Team lead", admin: "Admin" };

function renderUser(me) {
  const root = $("#user-area");
  if (me.mode === "single-user") {
    root.replaceChildren(el("span", {
      class: "user-mode", id: "single-user-note",
      title: "No sign-in: this server answers only on this computer (loopback). Set ADVISOR_AUTH=true to share it with a team.",
      text: "Single-user mode",
    }));
    return;
  }
  const out = el("button", { type: "button", class: "btn btn-ghost btn-sm", id: "sign-out", text: "Sign out" });
  out.addEventListener("click", async () => {
    out.disabled = true;
    try { await api("POST", "/api/auth/logout"); } catch (_) { /* signed out or not, leave the page */ }
    window.location.assign("/login");
  });
  root.replaceChildren(
    el("span", { class: "user-name", id: "user-name", text: me.name }),
    el("span", { class: "user-role", text: ROLE_NAMES[me.role] || me.role }),
    out);
}

/** Who is signed in ({id, name, role, mode}), or null after sending the visitor to the sign-in page. */
export async function initSession() {
  let me;
  try {
    me = await api("GET", "/api/auth/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      window.location.replace("/login");
      return null;
    }
    throw err;
  }
  renderUser(me);
  return me;
}
