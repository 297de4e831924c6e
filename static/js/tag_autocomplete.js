// Suggests existing tags while an editor types in the comma-separated tag field.
// The suggestions complete the last item only and keep what was typed before it; the server
// sends {value, label} pairs, so an alias shows as "Kiev → Kyiv" and stores "Kyiv".
"use strict";

function splitLastTag(value) {
  let quoted = false;
  let cut = -1;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '"') quoted = !quoted;
    else if (value[i] === "," && !quoted) cut = i;
  }
  const head = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
  return [head, value.slice(cut + 1).trim().replace(/^"/, "")];
}

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-tag-autocomplete]")) {
    const list = document.getElementById(input.getAttribute("list"));
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const [head, term] = splitLastTag(input.value);
        if (!term) {
          list.replaceChildren();
          return;
        }
        const url = `${input.dataset.tagAutocomplete}?term=${encodeURIComponent(term)}`;
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const suggestions = await response.json();
        list.replaceChildren(
          ...suggestions.map(({ value, label }) => {
            // An alias reads "Kiev → Kyiv" and puts the tag itself in the field.
            const option = document.createElement("option");
            option.value = head + (value.includes(",") ? `"${value}"` : value);
            option.label = label;
            return option;
          }),
        );
      }, 150);
    });
  }
});
