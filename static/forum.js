/* Halcyon Community: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Forms with data-confirm ask before submitting (e.g. deleting a post).
  // Capture phase, so the check runs before the double-submit guard below.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Guard against double posts from a double click: disable the submit buttons once a POST
  // form is on its way. The browser has already validated the form when "submit" fires.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    // Deferred so the clicked button's name/value is still sent with the form.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Coming back with the Back button restores the page from cache: re-enable the buttons.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form button[type=submit]:disabled, form input[type=submit]:disabled")
      .forEach(function (button) {
        button.disabled = false;
      });
  });

  // Opening "Add a comment" puts the cursor in the comment box.
  document.querySelectorAll("details.add-comment").forEach(function (details) {
    details.addEventListener("toggle", function () {
      var box = details.querySelector("textarea");
      if (details.open && box) {
        box.focus();
      }
    });
  });

  // Relative times ("3 hours ago") get the exact local date and time as a tooltip.
  if (window.Intl && Intl.DateTimeFormat) {
    var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    document.querySelectorAll("time[datetime]").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime"));
      if (!element.title && !isNaN(when.getTime())) {
        element.title = format.format(when);
      }
    });
  }

  // Mark the main navigation link for the current section ("Unanswered" is a sort of the list).
  var params = new URLSearchParams(window.location.search);
  var isUnanswered = params.get("sort") === "unanswered";
  // Question pages and tag lists belong to "Questions".
  var path = window.location.pathname.replace(/^\/questions(\/.*)?$/, "/");
  document.querySelectorAll(".main-nav a").forEach(function (link) {
    var url = new URL(link.href, window.location.href);
    var linkPath = url.pathname.replace(/\/questions$/, "/");
    var linkUnanswered = url.searchParams.get("sort") === "unanswered";
    if (linkPath === path && linkUnanswered === isUnanswered) {
      link.setAttribute("aria-current", "page");
    }
  });

  // Ctrl+Enter or Cmd+Enter in a text area submits its form, as in most forums.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && box.tagName === "TEXTAREA" && box.form) {
      event.preventDefault();
      if (box.form.requestSubmit) {
        box.form.requestSubmit();
      } else {
        box.form.submit();
      }
    }
  });
})();
