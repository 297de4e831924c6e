// Live updates: the page follows its Server-Sent Events stream (push/live_views.py).
// New entries go on top of their day, an edited entry is replaced where it stands with an
// "Edited" mark and its note, a withdrawn one is removed. Without this script the page is
// complete as served; nothing here is needed to read it.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-stream");
  if (!url || !window.EventSource || !window.JSON) return;
  var status = document.getElementById("live-status");
  var timeline = document.getElementById("timeline");
  var source = null;
  var lastId = "";

  function say(text) {
    if (status) status.textContent = text;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function cardsOf(entry) {
    return document.querySelectorAll('[data-entry="' + entry + '"]');
  }

  function headlineOf(card) {
    var link = card.querySelector(".card__headline a");
    return link ? link.textContent : "an entry";
  }

  function dayFor(data) {
    var heading = document.getElementById("day-" + data.day);
    if (heading) return heading.closest("section.day");
    // No section for that day yet: a new one above the newest day.
    var first = document.querySelector("section.day");
    var parent = first ? first.parentNode : timeline;
    if (!parent) return null;
    var section = document.createElement("section");
    section.className = "day";
    section.setAttribute("aria-labelledby", "day-" + data.day);
    var title = document.createElement(timeline ? "h3" : "h2");
    title.className = "day__heading";
    title.id = "day-" + data.day;
    var link = document.createElement("a");
    link.href = data.day_url;
    link.textContent = data.day;
    title.appendChild(link);
    section.appendChild(title);
    parent.insertBefore(section, first || null);
    return section;
  }

  function added(event) {
    var data = JSON.parse(event.data);
    if (cardsOf(data.entry).length) return edited(event);
    var card = fragment(data.html);
    var day = dayFor(data);
    if (!card || !day) return;
    card.classList.add("card--live");
    var heading = day.querySelector(".day__heading");
    day.insertBefore(card, heading ? heading.nextSibling : day.firstChild);
    var story = data.story && document.querySelector('[data-story="' + data.story + '"] .developing__latest a');
    if (story) {
      story.textContent = headlineOf(card);
      story.href = card.querySelector(".card__headline a").href;
    }
    say("New: " + headlineOf(card));
  }

  function edited(event) {
    var data = JSON.parse(event.data);
    cardsOf(data.entry).forEach(function (old) {
      var card = fragment(data.html);
      if (!card) return;
      var mark = document.createElement("p");
      mark.className = "card__edited";
      var strong = document.createElement("strong");
      strong.textContent = "Edited";
      mark.appendChild(strong);
      if (data.note) mark.appendChild(document.createTextNode(": " + data.note));
      card.insertBefore(mark, card.children[1] || null);
      old.replaceWith(card);
      say("Edited: " + headlineOf(card) + (data.note ? ". " + data.note : ""));
    });
  }

  function withdrawn(event) {
    var data = JSON.parse(event.data);
    cardsOf(data.entry).forEach(function (card) {
      say("Withdrawn: " + headlineOf(card));
      card.remove();
    });
  }

  function remember(handler) {
    return function (event) {
      if (event.lastEventId) lastId = event.lastEventId;
      handler(event);
    };
  }

  function stop() {
    if (source) source.close();
    source = null;
    if (status) status.setAttribute("data-stream-state", "closed");
  }

  function open() {
    if (source) return;
    var address = lastId ? url + "?last-event-id=" + encodeURIComponent(lastId) : url;
    source = new EventSource(address);
    source.addEventListener("open", function () {
      if (status) status.setAttribute("data-stream-state", "open");
    });
    source.addEventListener("new", remember(added));
    source.addEventListener("edit", remember(edited));
    source.addEventListener("withdrawn", remember(withdrawn));
    source.addEventListener("concluded", function () {
      stop();
      say("This story is no longer developing.");
    });
    source.addEventListener("reload", function () {
      stop();
      say("Many updates arrived while you were away: reload the page to see them.");
    });
    // Ended by the server after a quiet spell: open again when the reader comes back.
    source.addEventListener("idle", stop);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") open();
  });
  open();
})();
