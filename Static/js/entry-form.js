/* compe: progressive enhancement of entry forms. Without JavaScript the form posts normally
   and the server answers with an HTML receipt or error page. With it, each file goes up by
   itself over tus 1.0 (resumable uploads, in chunks): its progress is shown, a broken or stalled
   connection pauses it and it goes on by itself from what the server acknowledged (after a page
   reload too: the browser remembers each file's upload), and the entry is then sent naming the
   finished uploads. Field errors appear next to their fields; a receipt page opens on success.
   Browsers without what this needs (Blob.slice, Promise) send the plain form as before. */
(function () {
  "use strict";
  var CHUNK = 8 * 1024 * 1024;        // bytes per PATCH: progress and resumption every 8 MiB
  var STALL_MS = 20000;               // no progress for this long: the request is given up and resumed
  var KEY_NAME = "compe-upload-key";  // the browser's secret for its uploads (localStorage)

  // Only the contest page's entry form (it carries data-max-files); the edit form on the receipt posts plainly.
  var forms = document.querySelectorAll("form.entry-form[data-max-files]");
  Array.prototype.forEach.call(forms, function (form) {
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var input = form.querySelector("input[type=file][name=files]");
      var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
      var max = parseInt(form.getAttribute("data-max-files"), 10) || 0;
      if (files.length > 0 && files.length <= max && form.getAttribute("data-upload-action") &&
          window.Promise && window.Blob && Blob.prototype.slice) {
        sendResumable(form, files);
      } else {
        sendPlain(form);
      }
    });
  });

  // MARK: the plain form, in one request (no file, or a browser without Blob.slice)

  function sendPlain(form) {
    var progress = form.querySelector(".progress");
    var bar = progress && progress.querySelector("progress");
    var label = progress && progress.querySelector(".progress-text");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Idempotency-Key", randomHex(16));
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
      if (progress) { progress.hidden = true; }
      answered(form, xhr.status, parseJSON(xhr.responseText));
    };
    xhr.onerror = function () {
      if (button) { button.disabled = false; }
      if (progress) { progress.hidden = true; }
      showErrors(form, [{ field: "form", message: connectionLost() }]);
    };
    xhr.send(new FormData(form));
  }

  // MARK: resumable uploads

  function sendResumable(form, files) {
    var button = form.querySelector("button[type=submit]");
    var list = form.querySelector(".upload-list");
    var status = form.querySelector(".upload-status");
    var say = function (key, name, percent) {
      var text = (form.getAttribute("data-t-" + key) || "").replace("{name}", name || "").replace("{percent}", String(percent || 0));
      if (status) { status.textContent = text; }
      return text;
    };
    if (button) { button.disabled = true; }
    if (list) { list.textContent = ""; list.hidden = false; }
    var rows = files.map(function (file) { return fileRow(list, file); });
    var ids = [];
    var chain = Promise.resolve();
    files.forEach(function (file, i) {
      chain = chain.then(function () {
        return uploadFile(form, file, rows[i], say).then(function (id) { ids.push(id); });
      });
    });
    chain.then(function () {
      say("submitting");
      return submitEntry(form, ids, files);
    }).then(function (result) {
      if (button) { button.disabled = false; }
      answered(form, result.status, result.data);
    }, function (failure) {
      if (button) { button.disabled = false; }
      showErrors(form, failure && failure.errors ? failure.errors : [{ field: "form", message: connectionLost() }]);
    });
  }

  /* One file's row: its name, a progress bar named after it, and its percentage. */
  function fileRow(list, file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name + " ";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var pct = document.createElement("span");
    pct.className = "upload-percent";
    pct.textContent = " 0%";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(pct);
    if (list) { list.appendChild(li); }
    return {
      show: function (done, total) {
        var p = total ? Math.floor(done * 100 / total) : 100;
        bar.value = p;
        pct.textContent = " " + p + "%";
        return p;
      }
    };
  }

  /* Sends `file` by tus from where the server has it (a new upload, or the one this browser
     began before), pausing and resuming by itself; resolves with the upload's id. */
  function uploadFile(form, file, row, say) {
    var endpoint = new URL(form.getAttribute("data-upload-action"), window.location.href).href;
    var key = uploadKey();
    var remembered = rememberedAs(form, file);
    var url = storage("get", remembered);
    var offset = 0, paused = false, delay = 1000, first = true;

    function headers(extra) {
      var h = { "Tus-Resumable": "1.0.0", "Compe-Upload-Key": key, "Accept": "application/json",
                "Accept-Language": document.documentElement.lang || "en" };
      for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { h[k] = extra[k]; } }
      return h;
    }
    function fatal(response) {
      var data = parseJSON(response.body);
      var errors = data && data.errors ? data.errors : [{ field: "files", message: say("failed", file.name) }];
      errors.forEach(function (e) { if (e.field === "upload" || e.field === "Upload-Length") { e.field = "files"; } });
      return Promise.reject({ errors: errors });
    }
    /* Waits (longer each time, at most 15 s; at once when the browser is back online), then
       asks the server where the upload stands. */
    function pause() {
      if (!paused) { say(navigator.onLine === false ? "offline" : "paused", file.name, row.show(offset, file.size)); }
      paused = true;
      return new Promise(function (resolve) {
        var timer = setTimeout(done, delay);
        function done() { clearTimeout(timer); window.removeEventListener("online", done); resolve(); }
        window.addEventListener("online", done);
        delay = Math.min(delay * 2, 15000);
      }).then(locate);
    }
    function locate() {
      if (!url) { return create(); }
      return request("HEAD", url, headers({}), null, null).then(function (r) {
        if (r.status === 200) {
          offset = parseInt(r.header("Upload-Offset"), 10) || 0;
          // After a pause, or an upload this browser began before (a reload): say where it goes on from.
          if (paused || (first && offset > 0)) { say("resumed", file.name, row.show(offset, file.size)); paused = false; delay = 1000; }
          first = false;
          return send();
        }
        if (r.status === 404 || r.status === 410) { storage("remove", remembered); url = null; offset = 0; return create(); }
        return pause();
      }, pause);
    }
    function create() {
      var meta = "contest " + b64(form.getAttribute("data-contest")) + ",filename " + b64(file.name) + ",filetype " + b64(file.type || "");
      return request("POST", endpoint, headers({ "Upload-Length": String(file.size), "Upload-Metadata": meta }), null, null).then(function (r) {
        if (r.status === 201 && r.header("Location")) {
          url = new URL(r.header("Location"), endpoint).href;
          storage("set", remembered, url);
          offset = 0;
          return send();
        }
        if (r.status >= 500 || r.status === 429) { return pause(); }
        return fatal(r);
      }, pause);
    }
    function send() {
      if (offset >= file.size) { return finished(); }
      var chunk = file.slice(offset, Math.min(offset + CHUNK, file.size));
      return request("PATCH", url, headers({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }), chunk,
                     function (loaded) { row.show(offset + loaded, file.size); }).then(function (r) {
        if (r.status === 204) {
          offset = parseInt(r.header("Upload-Offset"), 10) || offset;
          row.show(offset, file.size);
          if (paused) { say("resumed", file.name, row.show(offset, file.size)); paused = false; }
          delay = 1000;
          return send();
        }
        if (r.status === 409) {
          // The server has another offset: an answer was lost with a broken connection (the
          // browser may have sent the request again by itself). Said, then asked where it stands.
          if (!paused) { say("paused", file.name, row.show(offset, file.size)); paused = true; }
          return locate();
        }
        if (r.status === 404 || r.status === 410) { storage("remove", remembered); url = null; return create(); }
        if (r.status >= 500 || r.status === 429 || r.status === 423 || r.status === 408) { return pause(); }
        storage("remove", remembered);
        return fatal(r);
      }, pause);
    }
    function finished() {
      row.show(file.size, file.size);
      say("done", file.name, 100);
      return url.split("/").pop();
    }
    return locate();
  }

  /* The entry itself, naming the finished uploads (`upload` fields, the key in a header);
     sent again with the same Idempotency-Key when the connection breaks, so it is stored once. */
  function submitEntry(form, ids, files) {
    var data = new FormData(form);
    if (data.delete) { data.delete("files"); }
    ids.forEach(function (id) { data.append("upload", id); });
    var idempotency = randomHex(16), delay = 1000;
    function attempt() {
      return request("POST", form.action, { "Accept": "application/json", "Idempotency-Key": idempotency, "Compe-Upload-Key": uploadKey() },
                     data, null).then(function (r) {
        if (r.status >= 500 && r.status !== 507) { return later(); }
        var body = parseJSON(r.body);
        var forget = r.status === 201 || (body && body.errors || []).some(function (e) { return e.field === "uploads"; });
        if (forget) {   // used, or no longer there: the next try uploads the files afresh
          files.forEach(function (file) { storage("remove", rememberedAs(form, file)); });
        }
        return { status: r.status, data: body };
      }, later);
    }
    function later() {
      return new Promise(function (resolve) { setTimeout(resolve, delay); delay = Math.min(delay * 2, 15000); }).then(attempt);
    }
    return attempt();
  }

  /* One HTTP request: resolves with {status, header(name), body}, rejects when the connection
     fails or stalls (no progress for STALL_MS). */
  function request(method, url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var watchdog = null;
      function watch() {
        clearTimeout(watchdog);
        watchdog = setTimeout(function () { xhr.abort(); }, STALL_MS);
      }
      xhr.open(method, url);
      for (var name in headers) { if (Object.prototype.hasOwnProperty.call(headers, name)) { xhr.setRequestHeader(name, headers[name]); } }
      if (xhr.upload) {
        xhr.upload.onprogress = function (e) { watch(); if (onProgress && e.lengthComputable) { onProgress(e.loaded); } };
      }
      xhr.onload = function () {
        clearTimeout(watchdog);
        resolve({ status: xhr.status, body: xhr.responseText, header: function (n) { return xhr.getResponseHeader(n); } });
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () { clearTimeout(watchdog); reject(); };
      watch();
      xhr.send(body);
    });
  }

  // MARK: what the two ways share

  /* After the entry was answered: the receipt page on 201, else the errors beside their fields. */
  function answered(form, status, data) {
    if (status === 201 && data && data.id) {
      var lang = (form.querySelector("input[name=lang]") || {}).value || document.documentElement.lang;
      var base = form.action.replace(/\/contests\/[^/]+\/entries$/, "").replace(/\/entries\/[^/]+$/, "");
      window.location.href = base + "/entries/" + encodeURIComponent(data.id) + "?token=" +
        encodeURIComponent(data.edit_token) + "&lang=" + encodeURIComponent(lang) + "&new=1";
      return;
    }
    showErrors(form, (data && data.errors) || [{ field: "form", message: "HTTP " + status }]);
  }

  function connectionLost() {
    return document.documentElement.lang === "ja" ?
      "通信に失敗しました。入力内容はそのままです。もう一度送信してください。" :
      "The connection failed. Your entry is still in the form; please send it again.";
  }

  /* Where the browser keeps a file's upload address: by contest, name, size and date, so the
     same file chosen again after a reload resumes. */
  function rememberedAs(form, file) {
    return "compe-tus:" + form.getAttribute("data-contest") + ":" + file.name + ":" + file.size + ":" + (file.lastModified || 0);
  }

  /* The browser's upload key: made once and kept, so an upload can be resumed after a reload. */
  function uploadKey() {
    var key = storage("get", KEY_NAME);
    if (!key) {
      key = randomHex(16);
      if (!storage("set", KEY_NAME, key)) { uploadKey.memory = uploadKey.memory || key; return uploadKey.memory; }
    }
    return key;
  }

  /* localStorage, which may be missing or refuse (a private window): then nothing is remembered. */
  function storage(op, name, value) {
    try {
      if (op === "get") { return window.localStorage.getItem(name); }
      if (op === "set") { window.localStorage.setItem(name, value); return true; }
      window.localStorage.removeItem(name);
    } catch (e) { return null; }
    return null;
  }

  function b64(text) {
    var bytes = new TextEncoder().encode(text || "");
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }

  function parseJSON(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function randomHex(n) {
    var bytes = new Uint8Array(n);
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
      var field = err.field === "uploads" ? "files" : err.field;
      var input = form.querySelector("[name='" + field + "']");
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
