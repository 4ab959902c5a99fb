/// The dashboard's style sheet and script, served by the binary from `/assets/` (no build step, no
/// CDN). The script only enhances: every action is a plain form that works without it; it follows a
/// campaign's live counts over server-sent events and counts down the undo window.
enum DashboardAssets {
    static let css = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
        header{background:#1a1a1a;color:#fff;padding:.5rem 1rem}
        header a{color:#fff;margin-right:1rem}
        header .who{margin:0 1rem 0 2rem;opacity:.8}
        main{max-width:72rem;margin:1rem auto;padding:0 1rem}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
        form.inline{display:inline-block;margin:.2rem .3rem .2rem 0}
        form.stack{display:grid;gap:.6rem;max-width:40rem}
        form.stack label{display:grid;gap:.2rem}
        input,select,textarea,button{font:inherit}
        button{padding:.35rem .9rem;border-radius:.3rem;border:1px solid #1a1a1a;background:#fff;cursor:pointer}
        button.danger{border-color:#b00020;color:#b00020}
        button.big{background:#b00020;color:#fff;font-size:1.2rem;padding:.6rem 1.6rem}
        .notice{background:#e8f4ff;border-left:4px solid #0366d6;padding:.5rem .8rem}
        .problem{background:#fff0f0;border-left:4px solid #b00020;padding:.5rem .8rem}
        .counts{display:flex;flex-wrap:wrap;gap:1rem;margin:0}
        .counts div{background:#fff;border:1px solid #ddd;padding:.4rem .8rem;min-width:6rem}
        .counts dt{font-size:.8rem;color:#555}
        .counts dd{margin:0;font-size:1.4rem;font-variant-numeric:tabular-nums}
        .sev-error td:first-child{color:#b00020;font-weight:bold}
        .sev-approval td:first-child,.sev-confirm td:first-child{color:#8a5a00;font-weight:bold}
        iframe{width:100%;height:24rem;border:1px solid #ddd;background:#fff}
        iframe.tall{height:60rem}
        progress{width:30rem;max-width:100%}
        pre{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:.6rem;overflow-wrap:anywhere}
        section{margin:1.4rem 0}

        """

    static let javascript = """
        "use strict";
        (function () {
          function text(id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } }
          function countdown(deadline) {
            var box = document.getElementById("countdown");
            if (!box) { return; }
            if (!deadline) { box.hidden = true; return; }
            var left = Math.max(0, Math.round((Date.parse(deadline) - Date.now()) / 1000));
            box.hidden = left <= 0;
            text("countdown-seconds", String(left));
          }
          function importForm() {
            var form = document.getElementById("import-form");
            if (!form) { return; }
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              var file = document.getElementById("import-file").files[0];
              var problem = document.getElementById("import-problem");
              if (!file) { return; }
              var query = "?status=" + encodeURIComponent(document.getElementById("import-status").value)
                + "&source=" + encodeURIComponent(document.getElementById("import-source").value);
              document.getElementById("import-start").disabled = true;
              fetch(form.getAttribute("data-import") + query, {
                method: "POST", body: file, credentials: "same-origin",
                headers: { "Content-Type": "text/csv", "X-CSRF-Token": form.getAttribute("data-csrf") }
              }).then(function (response) {
                return response.json().then(function (body) {
                  if (response.ok) { window.location.assign(body.page); return; }
                  problem.textContent = body.error || ("The import was refused (" + response.status + ").");
                  problem.hidden = false;
                  document.getElementById("import-start").disabled = false;
                });
              });
            });
          }
          function importProgress() {
            var bar = document.getElementById("import-progress");
            if (!bar || bar.getAttribute("data-finished")) { return; }
            var source = new EventSource(bar.getAttribute("data-events"));
            source.addEventListener("progress", function (event) {
              var data = JSON.parse(event.data);
              bar.max = Math.max(1, data.size);
              bar.value = data.done;
            });
            source.addEventListener("end", function () { source.close(); window.location.reload(); });
          }
          document.addEventListener("DOMContentLoaded", function () {
            importForm();
            importProgress();
            var live = document.querySelector("section[data-events]");
            if (!live) { return; }
            var deadline = live.getAttribute("data-deadline") || "";
            countdown(deadline);
            setInterval(function () { countdown(deadline); }, 1000);
            var source = new EventSource(live.getAttribute("data-events"));
            source.addEventListener("counts", function (event) {
              var data = JSON.parse(event.data);
              Object.keys(data.counts).forEach(function (key) { text("count-" + key, String(data.counts[key])); });
              text("count-total", String(data.total));
              text("state", data.state);
              text("rate", data.rate == null ? "–" : data.rate.toFixed(1) + " msg/s");
              text("eta", data.eta == null ? "–" : data.eta + " s");
              deadline = data.deadline || "";
              countdown(deadline);
            });
            source.addEventListener("end", function () { source.close(); });
          });
        })();

        """
}
