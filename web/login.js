/* The sign-in page: name and password (POST /api/auth/login), and single sign-on when the server has OIDC
   (a link to /api/auth/oidc/start). On success the workbench opens. */
import { api } from "./api.js";
import { $, el } from "./dom.js";

async function init() {
  const config = await api("GET", "/api/auth/config").catch(() => null);
  const form = $("#login-form");
  const error = $("#login-error");
  if (config && config.mode === "single-user") {
    form.hidden = true;
    $("#login-note").replaceChildren("This server runs in single-user mode: there is nothing to sign in to. ",
      el("a", { href: "/", text: "Open the workbench" }), ".");
    return;
  }
  if (config && config.oidc) {
    const sso = $("#login-sso");
    sso.hidden = false;
    sso.replaceChildren(el("a", { class: "btn btn-primary login-sso", href: "/api/auth/oidc/start", id: "sso-link",
      text: config.oidc }), el("p", { class: "hint login-or", text: "or with a local account" }));
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const button = $("#login-submit");
    button.disabled = true;
    try {
      await api("POST", "/api/auth/login", { name: $("#login-name").value.trim(), password: $("#login-password").value });
      window.location.assign("/");
    } catch (err) {
      error.textContent = err.status === 401 ? "The name or the password is not right." : err.message;
      error.hidden = false;
      $("#login-password").select();
    } finally {
      button.disabled = false;
    }
  });
  $("#login-name").focus();
}

init();
