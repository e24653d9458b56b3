/* Votes without a page reload. Without this file the vote buttons are plain form posts. */
(function () {
  "use strict";

  var GLYPHS = { "1": ["△", "▲"], "-1": ["▽", "▼"] };
  var meta = document.querySelector('meta[name="csrf-token"]');

  // Show the server's answer: the score, and which button is pressed (pressing it again undoes).
  function update(cell, data) {
    var score = cell.querySelector(".score");
    if (score && score.firstChild) {
      score.firstChild.nodeValue = String(data.score);
    }
    cell.querySelectorAll("button[data-vote]").forEach(function (button) {
      var direction = button.getAttribute("data-vote");
      var pressed = String(data.user_vote) === direction;
      button.value = pressed ? "0" : direction;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.firstChild.nodeValue = GLYPHS[direction][pressed ? 1 : 0];
      button.disabled = false;
    });
  }

  function showError(cell, message) {
    var note = cell.querySelector(".vote-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "vote-error error";
      note.setAttribute("role", "alert");
      cell.appendChild(note);
    }
    note.textContent = message;
  }

  // Post the form the ordinary way (the clicked button's value would be lost by form.submit()).
  function submitPlainly(form, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "value";
    input.value = value;
    form.appendChild(input);
    form.submit();
  }

  // Capture phase: runs before forum.js's double-submit guard, which then sees the default prevented.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form") || !window.fetch || !meta) {
      return;
    }
    event.preventDefault();
    var cell = form.closest(".vote-cell");
    var button = event.submitter || form.querySelector("button[name=value]");
    var value = button.value;
    var body = new FormData(form);
    body.set("value", value);
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": meta.getAttribute("content") }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        submitPlainly(form, value);  // e.g. signed out: let the browser show what the server sends
        return;
      }
      return response.json().then(function (data) {
        var old = cell.querySelector(".vote-error");
        if (old) {
          old.remove();
        }
        if (response.ok) {
          update(cell, data);
        } else {
          button.disabled = false;
          showError(cell, data.error);
        }
      });
    }).catch(function () {
      submitPlainly(form, value);
    });
  }, true);
})();
