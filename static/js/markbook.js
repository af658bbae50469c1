// Markbook keyboard entry: Enter / Shift+Enter and the arrow keys move between cells (each cell saves on
// change through HTMX); pasting several lines into a cell pastes them down its column (all or nothing,
// through the column's paste form). No inline script: the page's CSP allows only files from 'self'.
(function () {
  "use strict";

  function grid(table) {
    return Array.from(table.tBodies[0].rows).map(function (row) {
      return Array.from(row.querySelectorAll("td.cell"));
    });
  }

  function position(table, input) {
    var rows = grid(table);
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(input.closest("td"));
      if (c !== -1) return { rows: rows, r: r, c: c };
    }
    return null;
  }

  function focusCell(rows, r, c) {
    if (r < 0 || r >= rows.length || c < 0 || c >= rows[r].length) return false;
    var input = rows[r][c].querySelector("input");
    if (!input) return false;
    input.focus();
    input.select();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement)) return;
    var table = input.closest("table[data-markbook]");
    if (!table) return;
    var at = position(table, input);
    if (!at) return;
    var move = null;
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length;
    var allSelected = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    if (event.key === "Enter") move = event.shiftKey ? [-1, 0] : [1, 0];
    else if (event.key === "ArrowDown") move = [1, 0];
    else if (event.key === "ArrowUp") move = [-1, 0];
    else if (event.key === "ArrowLeft" && (atStart || allSelected)) move = [0, -1];
    else if (event.key === "ArrowRight" && (atEnd || allSelected)) move = [0, 1];
    if (!move) return;
    event.preventDefault();
    if (event.key === "Enter") input.dispatchEvent(new Event("change", { bubbles: true }));
    focusCell(at.rows, at.r + move[0], at.c + move[1]);
  });

  document.addEventListener("paste", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement)) return;
    var table = input.closest("table[data-markbook]");
    if (!table || !event.clipboardData) return;
    var text = event.clipboardData.getData("text/plain");
    if (text.replace(/[\r\n]+$/, "").indexOf("\n") === -1) return; // one value: an ordinary paste
    var at = position(table, input);
    var header = at && table.tHead.rows[0].querySelectorAll("th[data-column]")[at.c];
    if (!header) return; // a table without paste forms (the grades page): an ordinary paste
    var form = document.querySelector('form[data-paste-for="' + header.dataset.column + '"]');
    if (!form) return;
    event.preventDefault();
    form.querySelector("textarea").value = text;
    form.querySelector('input[name="start"]').value = String(at.r);
    form.requestSubmit();
  });

  // A cell that came back with an error keeps the focus, so the teacher can correct it at once.
  document.addEventListener("htmx:afterSettle", function () {
    var invalid = document.querySelector("table[data-markbook] input[aria-invalid=true]");
    if (invalid && document.activeElement !== invalid) invalid.focus();
  });
})();
