/* compe: progressive enhancement of entry forms. Without JavaScript the form posts normally
   and the server answers with an HTML receipt or error page. With it, the upload shows a
   progress bar, field errors appear next to their fields, and a receipt page opens on success. */
(function () {
  "use strict";
  // Only the contest page's entry form (it carries data-max-files); the edit form on the receipt posts plainly.
  var forms = document.querySelectorAll("form.entry-form[data-max-files]");
  Array.prototype.forEach.call(forms, function (form) {
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var progress = form.querySelector(".progress");
      var bar = progress && progress.querySelector("progress");
      var label = progress && progress.querySelector(".progress-text");
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Idempotency-Key", randomKey());
      if (progress) { progress.hidden = false; }
      if (button) { button.disabled = true; }
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable || !bar) { return; }
        var pct = Math.round(e.loaded * 100 / e.total);
        bar.value = pct;
        if (label) { label.textContent = pct + "%"; }
      };
      xhr.onload = function () {
        if (button) { button.disabled = false; }
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (xhr.status === 201 && data && data.id) {
          var lang = (form.querySelector("input[name=lang]") || {}).value || document.documentElement.lang;
          var base = form.action.replace(/\/contests\/[^/]+\/entries$/, "").replace(/\/entries\/[^/]+$/, "");
          window.location.href = base + "/entries/" + encodeURIComponent(data.id) + "?token=" +
            encodeURIComponent(data.edit_token) + "&lang=" + encodeURIComponent(lang) + "&new=1";
          return;
        }
        if (progress) { progress.hidden = true; }
        showErrors(form, (data && data.errors) || [{ field: "form", message: "HTTP " + xhr.status }]);
      };
      xhr.onerror = function () {
        if (button) { button.disabled = false; }
        if (progress) { progress.hidden = true; }
        showErrors(form, [{ field: "form", message: document.documentElement.lang === "ja" ?
          "通信に失敗しました。入力内容はそのままです。もう一度送信してください。" :
          "The connection failed. Your entry is still in the form; please send it again." }]);
      };
      xhr.send(new FormData(form));
    });
  });

  function randomKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (el) { el.parentNode.removeChild(el); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, errors) {
    var first = null;
    errors.forEach(function (err) {
      var input = form.querySelector("[name='" + err.field + "']");
      var p = document.createElement("p");
      p.className = "field-error";
      p.setAttribute("role", "alert");
      p.textContent = err.message;           /* textContent: messages are never parsed as HTML */
      if (input && input.parentNode) {
        input.setAttribute("aria-invalid", "true");
        input.parentNode.appendChild(p);
        first = first || input;
      } else {
        form.insertBefore(p, form.firstChild);
      }
    });
    if (first && first.focus) { first.focus(); }
  }
})();
