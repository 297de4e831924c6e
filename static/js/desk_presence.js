// Keeps "<name> has been editing this since <time>" current on an open entry page.
// Without JavaScript the version check on save still refuses to overwrite anyone's edit.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const banner = document.querySelector("[data-heartbeat-url]");
  if (!banner) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const beat = async () => {
    const response = await fetch(banner.dataset.heartbeatUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    });
    if (!response.ok) return;
    const data = await response.json();
    banner.textContent = data.others
      .map((other) => `${other.name} has been editing this since ${other.since}.`)
      .join(" ");
  };
  setInterval(beat, 30000);
});
