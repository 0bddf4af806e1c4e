import { escapeHtml } from './html.ts';

/**
 * A sortable HTML table for the sweep and walk-forward pages, with an optional column chooser and panel picker
 * (TABLE_SCRIPT). Rules:
 * - Columns may be grouped under a heading (a first header row); the last header row names every column.
 * - A header click sorts by that column (ascending, then descending); cells sort by data-sort, numbers as
 *   numbers, and empty cells always last.
 * - Columns a chooser may hide carry data-column; a checkbox with data-toggle="<column>" shows or hides
 *   every cell of that column. A column listed as hidden starts hidden.
 * - A `<select id="panel-select">` shows the one `[data-panel]` element whose value it names.
 * - Every figure cell carries data-value (the exact JSON number, or "null"), so a test can compare the page
 *   with the files.
 */
export interface TableColumn {
  key: string;
  label: string;
  /** Header tooltip. */
  title?: string;
  /** Starts hidden (the chooser can show it). */
  hidden?: boolean;
  /** Long text: its cells wrap instead of widening the table. */
  wrap?: boolean;
  /** A heading over this and the neighbouring columns of the same group (a second header row). */
  group?: string;
}

export interface TableCell {
  html: string;
  /** Sort key: a number, text, or null (sorts last). */
  sort: number | string | null;
  /** The exact figure shown, when the cell shows one. */
  value?: number | null;
  title?: string;
}

export interface TableRow {
  cells: Record<string, TableCell>;
  /** Extra attributes of the row, e.g. ' class="best" data-best'. */
  attributes?: string;
}

export function sortableTable(id: string, columns: TableColumn[], rows: TableRow[]): string {
  const hidden = (c: TableColumn): string => (c.hidden ? ' style="display:none"' : '');
  const groups = columns.some((c) => c.group !== undefined)
    ? `<tr class="groups">${columns
        .map((c, i) => {
          if (c.group === undefined) return '<th></th>';
          if (i > 0 && columns[i - 1].group === c.group) return '';
          let span = 1;
          while (columns[i + span]?.group === c.group) span++;
          return `<th colspan="${span}" class="group">${escapeHtml(c.group)}</th>`;
        })
        .join('')}</tr>`
    : '';
  const head = columns
    .map(
      (c) =>
        `<th data-column="${escapeHtml(c.key)}"${c.title ? ` title="${escapeHtml(c.title)}"` : ''}${hidden(c)}>${escapeHtml(c.label)}</th>`,
    )
    .join('');
  const body = rows
    .map((row) => {
      const cells = columns.map((c) => {
        const cell = row.cells[c.key] ?? { html: '', sort: null };
        const value = cell.value === undefined ? '' : ` data-value="${cell.value === null ? 'null' : String(cell.value)}"`;
        const title = cell.title ? ` title="${escapeHtml(cell.title)}"` : '';
        const sort = cell.sort === null ? '' : escapeHtml(String(cell.sort));
        return `<td${c.wrap ? ' class="wrap"' : ''} data-column="${escapeHtml(c.key)}" data-sort="${sort}"${value}${title}${hidden(c)}>${cell.html}</td>`;
      });
      return `<tr${row.attributes ?? ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table class="figures sortable" id="${escapeHtml(id)}"><thead>${groups}<tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Checkboxes that show or hide the chooser's columns. */
export function columnChooser(columns: TableColumn[]): string {
  return `<div class="chooser">Columns: ${columns
    .map(
      (c) =>
        `<label><input type="checkbox" data-toggle="${escapeHtml(c.key)}"${c.hidden ? '' : ' checked'}> ${escapeHtml(c.label)}</label>`,
    )
    .join(' ')}</div>`;
}

/** A select that shows one chart panel at a time. */
export function panelPicker(label: string, panels: { id: string; label: string }[]): string {
  return `<div class="panel-pick"><label for="panel-select">${escapeHtml(label)} </label><select id="panel-select">${panels
    .map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.label)}</option>`)
    .join('')}</select></div>`;
}

export const TABLE_STYLE = `<style>
table.sortable th { cursor: pointer; user-select: none; } table.sortable th[data-dir="asc"]::after { content: " ▲"; } table.sortable th[data-dir="desc"]::after { content: " ▼"; }
table.sortable tr.best td { background: #fff6d6; font-weight: 600; } table.sortable tr.excluded td { color: #8a8a8a; }
table.sortable td small { color: var(--muted); font-weight: 400; }
table.sortable th { white-space: normal; vertical-align: bottom; } table.sortable tr.groups th { cursor: default; text-align: center; border-bottom: none; } table.sortable th.group { border-bottom: 2px solid var(--line); } table.sortable td.wrap { min-width: 200px; max-width: 420px; text-align: left; }
.panel-pick, .chooser { margin: 0 0 12px; font-size: 14px; } .panel-pick select { font: inherit; padding: 3px 6px; }
.chooser label { margin-right: 12px; white-space: nowrap; }
.verdict .rule { display: block; margin-top: 6px; font-weight: 400; font-size: 13px; color: var(--muted); }
.warnings { border-left: 5px solid #d9a21b; } .warnings ul { margin: 4px 0 0; padding-left: 20px; }
</style>`;

export const TABLE_SCRIPT = `
(function () {
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('data-dir') === 'asc' ? 'desc' : 'asc';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('data-dir'); });
        th.setAttribute('data-dir', dir);
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
          if (x === '' && y === '') return 0; if (x === '') return 1; if (y === '') return -1;
          var nx = Number(x), ny = Number(y);
          var c = isNaN(nx) || isNaN(ny) ? String(x).localeCompare(String(y)) : nx - ny;
          return dir === 'asc' ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-toggle]'), function (box) {
    box.addEventListener('change', function () {
      var key = box.getAttribute('data-toggle');
      Array.prototype.forEach.call(document.querySelectorAll('table.sortable [data-column]'), function (cell) {
        if (cell.getAttribute('data-column') === key) cell.style.display = box.checked ? '' : 'none';
      });
    });
  });
  var select = document.getElementById('panel-select');
  if (select) {
    var show = function () {
      Array.prototype.forEach.call(document.querySelectorAll('[data-panel]'), function (el) {
        el.style.display = el.getAttribute('data-panel') === select.value ? '' : 'none';
      });
    };
    select.addEventListener('change', show);
    show();
  }
})();
`;
