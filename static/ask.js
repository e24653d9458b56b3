/* The ask page: similar questions while the title is typed. Without this file the server's
   "check for similar questions" step shows the same list before posting. */
(function () {
  "use strict";

  var region = document.getElementById("similar-questions");
  var title = document.getElementById("title");
  var body = document.getElementById("body");
  var checked = document.getElementById("checked_similar");
  if (!region || !title || !window.fetch) {
    return;
  }
  var DELAY_MS = 300;
  var MIN_TITLE = 8;
  var BODY_CHARS = 1500; // what fits in a URL; the title says most of what a draft is about
  var STATUS = { accepted: "Accepted answer", answered: "Answered", unanswered: "Unanswered" };
  var timer = null;
  var lastQuery = null;
  var controller = null;

  function openUrl(item) {
    // an FAQ entry opens through its thread's link too (the opening counts for the thread)
    var url = region.getAttribute("data-open-url").replace("/0/open", "/" + item.question_id + "/open");
    if (item.kind === "faq" && item.faq_entry_id) {
      url += (url.indexOf("?") === -1 ? "?" : "&") + "faq=" + encodeURIComponent(item.faq_entry_id);
    }
    return url;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function show(items) {
    region.textContent = "";
    if (!items.length) {
      return;
    }
    var heading = element("h2", null, "Similar questions");
    heading.id = "similar-heading";
    var list = element("ul", "similar-list");
    list.setAttribute("aria-labelledby", "similar-heading");
    items.forEach(function (item) {
      var status = item.has_accepted ? "accepted" : item.answered ? "answered" : "unanswered";
      var isFaq = item.kind === "faq";
      var li = element("li", isFaq ? "similar-item similar-faq" : "similar-item");
      if (isFaq) {
        li.appendChild(element("span", "badge badge-faq", "FAQ"));
        li.appendChild(document.createTextNode(" "));
      }
      var link = element("a", null, item.title);
      link.href = openUrl(item);
      link.rel = "nofollow";
      link.target = "_blank";
      link.appendChild(element("span", "visually-hidden", " (opens in a new tab)"));
      li.appendChild(link);
      if (!isFaq) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(element("span", "similar-status similar-" + status, STATUS[status]));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(element("span", "similar-score",
          item.score + (Math.abs(item.score) === 1 ? " vote" : " votes")));
      }
      list.appendChild(li);
    });
    region.appendChild(heading);
    region.appendChild(element("p", "help",
      "These look like yours. If one answers it, there is no need to ask again; if not, post yours below."));
    region.appendChild(list);
    // The asker has seen the similar questions: one submit posts (no server-side check step).
    if (checked) {
      checked.value = "1";
    }
  }

  function lookUp() {
    var text = title.value.trim();
    if (text.length < MIN_TITLE) {
      return;
    }
    var params = new URLSearchParams({ title: text, limit: "5" });
    if (body && body.value.trim()) {
      params.set("body", body.value.trim().slice(0, BODY_CHARS));
    }
    var query = params.toString();
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (controller) {
      controller.abort(); // an older answer must not replace a newer one
    }
    controller = window.AbortController ? new AbortController() : null;
    window.fetch(region.getAttribute("data-similar-url") + "?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && Array.isArray(data.items)) {
        show(data.items);
      }
    }).catch(function () {
      // Offline or aborted: the server's check step still runs before posting.
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, DELAY_MS);
  }

  title.addEventListener("input", schedule);
  if (body) {
    body.addEventListener("change", schedule);
  }
  if (title.value.trim() && !region.children.length) {
    schedule(); // e.g. the page came back with errors
  }
})();
