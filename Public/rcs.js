// RCS admin pages: small progressive enhancements. Every page works without it.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Quick filter: <input data-filter-table="ID"> hides rows of table#ID that do not match.
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    var status = document.getElementById(input.getAttribute("aria-controls") + "-status");
    function apply() {
      var needle = input.value.trim().toLowerCase(), shown = 0, rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var match = !needle || rows[i].textContent.toLowerCase().indexOf(needle) >= 0;
        rows[i].hidden = !match;
        if (match) shown++;
      }
      if (status) status.textContent = shown + " of " + rows.length + " shown";
    }
    input.addEventListener("input", apply);
    apply();
  });

  // Forms that destroy something ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Upload Certificate: fill Subject Name, Serial Number, DNs and Key Details as soon as files are chosen.
  var upload = document.getElementById("upload-form");
  if (upload) {
    var timer = null;
    var fields = ["subjectName", "serialNumber", "subjectDN", "issuerDN", "notAfter", "keyDetails", "status"];
    var errorFor = { certificate: "certificate-error", key: "key-error", password: "password-error", chain: "chain-error" };
    function setError(field, text) {
      var box = document.getElementById(errorFor[field] || "general-error");
      if (box) box.textContent = text ? (box.textContent ? box.textContent + " " : "") + text : "";
      var input = document.getElementById(field);
      if (input) input.setAttribute("aria-invalid", text ? "true" : "false");
    }
    function clear() {
      Object.keys(errorFor).forEach(function (field) { setError(field, ""); });
      setError("general", "");
    }
    function fill(id, value) { var el = document.getElementById(id); if (el) el.value = value || ""; }
    function preview() {
      var certificate = document.getElementById("certificate");
      if (!certificate.files.length) return;
      var live = document.getElementById("preview-status");
      live.textContent = "Reading the files…";
      fetch("/admin/certificates/preview", {
        method: "POST", body: new FormData(upload), credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        clear();
        if (!result.ok) {
          fields.forEach(function (id) { fill(id, ""); });
          setError(result.body.field || "certificate", result.body.detail || "This file could not be read.");
          live.textContent = "The certificate could not be read.";
          return;
        }
        var c = result.body.certificate;
        fill("subjectName", c.subjectName); fill("serialNumber", c.serialNumber);
        fill("subjectDN", c.subjectDN); fill("issuerDN", c.issuerDN);
        fill("notAfter", (c.notAfter || "").slice(0, 10));
        fill("status", c.status === "valid" ? "Valid" : c.status === "expired" ? "Expired (can be kept to play old recordings)" : "Not yet valid");
        fill("keyDetails", result.body.keyDetails || "");
        (result.body.problems || []).forEach(function (problem) { setError(problem.field || "general", problem.detail); });
        live.textContent = (result.body.problems || []).length
          ? "Read: " + result.body.problems.length + " problem(s) to fix before saving."
          : "Read: the certificate" + (result.body.keyDetails ? " and key look right." : " looks right; now choose its key file.");
      }).catch(function () { live.textContent = "The preview is not available; Save will still check everything."; });
    }
    function soon() { clearTimeout(timer); timer = setTimeout(preview, 250); }
    ["certificate", "key", "chain"].forEach(function (id) {
      var el = document.getElementById(id); if (el) el.addEventListener("change", preview);
    });
    var password = document.getElementById("password");
    if (password) password.addEventListener("input", soon);
  }
})();
