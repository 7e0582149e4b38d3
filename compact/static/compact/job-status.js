// Follows the unmask and the release build after it: polls the JSON status endpoint named by
// the page's [data-job-status] element, rewrites that element's text (an aria-live region), and
// stops once nothing runs any more, offering a link to the page's new state. Without this
// script the page keeps its plain "Refresh" link.
(function () {
  "use strict";
  const box = document.querySelector("[data-job-status]");
  if (!box || box.dataset.running !== "yes") return;
  const url = box.dataset.jobStatus;
  const every = Number(box.dataset.every || 2000);
  const labels = {
    awaiting_masks: "Waiting for the office's mask sums",
    queued: "Queued",
    running: "Running",
    done: "Done",
    failed: "Failed",
  };
  let failures = 0;

  function running(s) {
    return s.state === "awaiting_masks" || s.state === "queued" || s.state === "running" || s.release_build !== null;
  }

  function describe(s) {
    let text = "Unmask: " + (labels[s.state] || s.state);
    if (s.total) text += " — " + s.processed + " of " + s.total + " submissions summed";
    if (s.attempts > 1) text += ", resumed from " + s.resumed_from + " after an interruption";
    text += ".";
    if (s.release_build) {
      text += " Release " + s.release_build.number + ": " + s.release_build.state + ", " + s.release_build.stage + ".";
    } else if (s.release && !running(s)) {
      text += " Release " + s.release.number + " is built: " +
        (s.release.passed ? "it passed its audit." : "it did not pass (" + (s.release.error || s.release.state) + ").");
    }
    if (s.error) text += " " + s.error;
    return text;
  }

  function finish() {
    const done = document.querySelector("[data-job-done]");
    if (done) done.hidden = false;
    const refresh = document.querySelector("[data-job-refresh]");
    if (refresh) refresh.hidden = true;
  }

  async function tick() {
    let status;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      status = await response.json();
    } catch (err) {
      failures += 1;
      if (failures >= 5) {
        box.textContent = "The status could not be fetched (" + err.message + "); use Refresh.";
        return;
      }
      setTimeout(tick, every * failures);
      return;
    }
    failures = 0;
    const text = describe(status);
    if (box.textContent.trim() !== text) box.textContent = text;
    if (running(status)) {
      setTimeout(tick, every);
    } else {
      finish();
    }
  }

  setTimeout(tick, every);
})();
