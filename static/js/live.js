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
  var today = document.getElementById("today"); // the front page: one-line items
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

  // The front page lists one-line items: a new entry goes on top of today's news, under
  // "Just in", and its developing story (if shown) names it as the latest update.
  function item(card, entry) {
    var li = document.createElement("li");
    li.className = "item item--live";
    li.setAttribute("data-entry", entry);
    var link = card.querySelector(".card__headline a").cloneNode(true);
    link.className = "item__headline";
    li.appendChild(link);
    return li;
  }

  function justIn() {
    var list = document.getElementById("just-in");
    if (list) return list;
    var section = fragment('<section class="category" aria-labelledby="just-in-heading">' +
      '<h3 class="category__heading" id="just-in-heading">Just in</h3>' +
      '<ul class="category__list" id="just-in"></ul></section>');
    var heading = today.querySelector("h2");
    today.insertBefore(section, heading ? heading.nextSibling : today.firstChild);
    return section.querySelector("ul");
  }

  function latestOf(data, card) {
    var block = data.story && document.querySelector('[data-story="' + data.story + '"]');
    var story = block && block.querySelector(".developing__latest a");
    if (!story) return;
    story.textContent = headlineOf(card);
    story.href = card.querySelector(".card__headline a").href;
    var ago = block.querySelector(".developing__ago time");
    if (ago) ago.textContent = "just now";
  }

  function added(event) {
    var data = JSON.parse(event.data);
    if (cardsOf(data.entry).length) return edited(event);
    var card = fragment(data.html);
    if (!card) return;
    if (!timeline && today) {
      var list = justIn();
      list.insertBefore(item(card, data.entry), list.firstChild);
    } else {
      var day = dayFor(data);
      if (!day) return;
      card.classList.add("card--live");
      var heading = day.querySelector(".day__heading");
      day.insertBefore(card, heading ? heading.nextSibling : day.firstChild);
    }
    latestOf(data, card);
    say("New: " + headlineOf(card));
  }

  function edited(event) {
    var data = JSON.parse(event.data);
    cardsOf(data.entry).forEach(function (old) {
      var card = fragment(data.html);
      if (!card) return;
      if (old.tagName === "LI") {  // a front-page item: its headline, marked edited
        var link = old.querySelector(".item__headline");
        if (link) link.textContent = headlineOf(card);
        var edit = old.querySelector(".item__edited") || document.createElement("span");
        edit.className = "item__edited";
        edit.textContent = " Edited" + (data.note ? ": " + data.note : "");
        old.appendChild(edit);
        say("Edited: " + headlineOf(card) + (data.note ? ". " + data.note : ""));
        return;
      }
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
