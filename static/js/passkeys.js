// WebAuthn ceremonies for Tutela (registration on the security page, authentication on the verify page).
// The server makes the options and verifies the answers (tutela/accounts/passkeys.py); this file only
// converts between JSON and the browser's ArrayBuffers. No inline script: CSP forbids it.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var padded = base64 + "===".slice((base64.length + 3) % 4);
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
      body: body || "{}",
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function register(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (credential) {
      return {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toBase64url(credential.response.clientDataJSON),
          attestationObject: toBase64url(credential.response.attestationObject),
          transports: credential.response.getTransports ? credential.response.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults(),
      };
    });
  }

  function authenticate(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (credential) {
      var response = credential.response;
      return {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
        },
        clientExtensionResults: credential.getClientExtensionResults(),
      };
    });
  }

  function start(box) {
    var message = box.querySelector("[data-passkey-message]");
    var ceremony = box.getAttribute("data-passkey") === "register" ? register : authenticate;
    function say(text) { message.textContent = text; message.hidden = !text; }
    say("");
    if (!window.PublicKeyCredential) { say("This browser does not support passkeys."); return; }
    post(box.getAttribute("data-options-url"))
      .then(function (response) {
        if (!response.ok) throw new Error("The server did not start the passkey request.");
        return response.json();
      })
      .then(ceremony)
      .then(function (answer) { return post(box.getAttribute("data-finish-url"), JSON.stringify(answer)); })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (result.ok) { window.location.assign(result.next); } else { say(result.message); }
      })
      .catch(function (error) { say(error && error.message ? error.message : "The passkey was not used."); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey-start]");
    if (button) start(button.closest("[data-passkey]"));
  });
})();
