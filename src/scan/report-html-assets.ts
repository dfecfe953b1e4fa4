// The HTML report's inline CSS and script. The script reads nothing from the page but its own
// markup and the escaped JSON block, and writes text only through textContent.

export const REPORT_CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h4{margin:6px 0 4px;font-size:13px}
.meta{color:#555}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px}.card b{display:block;font-size:20px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;margin:0;max-width:100%;overflow-x:auto}
.chart figcaption{font-weight:600;margin-bottom:4px}.chart .lbl,.chart .val{font-size:11px;fill:#333}.chart .axis{font-size:11px;fill:#666}
.legend{list-style:none;padding:0;margin:6px 0 0;font-size:12px;columns:2}.sw{display:inline-block;width:10px;height:10px;margin-right:5px}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee;cursor:pointer;user-select:none;white-space:nowrap}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
td.num{text-align:right;white-space:nowrap}.mono{font-family:ui-monospace,Consolas,monospace;font-size:12px;word-break:break-all}
.trend-rising,.trend-new{color:#c0392b;font-weight:600}.trend-falling,.trend-gone{color:#27ae60}
.bucket-dumps{margin:10px 0 18px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}
.bucket-dumps h3{font-size:14px;margin:0 0 6px}.hint{background:#fff7e0;border:1px solid #f0d58c;padding:6px 10px;border-radius:4px;margin:6px 0}
.empty{color:#777}
.badge-new{background:#c0392b;color:#fff;border-radius:3px;padding:0 4px;font-size:11px;font-weight:600;white-space:nowrap}
#new-since h2{margin-top:16px}.new-list{margin:4px 0}
.bucket-info{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0 10px}.rep-stack{flex:1 1 480px;min-width:0}
.bds{display:flex;flex-wrap:wrap;gap:12px;flex:1 1 600px}.bd{flex:1 1 190px;min-width:190px;font-size:12px}
.bd-title{font-weight:600;font-size:12px;margin-bottom:3px}.bd-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.bd-lbl{flex:0 0 46%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.bd-bar{flex:1;background:#eef1f5;height:10px;display:block}
.bd-bar span{display:block;height:10px;background:#4e79a7}.bd-rest .bd-bar span{background:#c8c8c8}.bd-n{flex:0 0 auto;min-width:28px;text-align:right}
pre.stack{background:#f5f5f5;border:1px solid #e2e2e2;padding:6px;margin:0;font-size:11.5px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
#dump-tools{display:flex;flex-wrap:wrap;gap:14px;align-items:center;background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;position:sticky;top:0;z-index:2}
table.dumps,table.flat-dumps{font-size:12px}table.dumps td,table.flat-dumps td{padding:3px 5px}
table.dumps tbody tr:not(.detail),table.flat-dumps tbody tr:not(.detail){cursor:pointer}
table.dumps tbody tr:not(.detail):hover,table.flat-dumps tbody tr:not(.detail):hover{background:#f2f7ff}
tr.open{background:#eaf2ff}td.c-time{white-space:nowrap}td.c-file{min-width:210px;word-break:normal;overflow-wrap:anywhere}
table.dumps .c-bucket{display:none}#flat-box,.dump-scroll{overflow-x:auto}
table.dumps td.mono,table.flat-dumps td.mono{word-break:normal;overflow-wrap:anywhere}td.p{white-space:nowrap}td.c-bucket{min-width:200px}
tr.detail>td{background:#fcfcfc;padding:8px 10px}.panel p{margin:2px 0 6px}.panel-cols{display:flex;flex-wrap:wrap;gap:16px}
.panel-cols>div{flex:1 1 420px;min-width:0}.panel ul,.panel ol{margin:2px 0 6px;padding-left:20px}.tsrc{color:#b36b00;font-weight:600}
`;

// Sorting of the bucket/module/failure tables; for the dump tables: sort (all tables at once,
// or the one table of every bucket), filter (words, all must appear in the row's text), detail
// rows opened by a click. The URL fragment applies the same on load:
// #sort=time&asc&filter=HOST1&view=all (for links and the tests).
export const REPORT_JS = `
(function(){
  var data = JSON.parse(document.getElementById('scan-data').textContent);
  function cellValue(td){ var v = td.getAttribute('data-v'); return v !== null ? v : td.textContent; }
  function cmp(x, y, num){ if (num) return Number(x) - Number(y); return x < y ? -1 : x > y ? 1 : 0; }
  document.querySelectorAll('table.sortable:not(.dumps)').forEach(function(table){
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function(th, col){
      th.addEventListener('click', function(){
        var asc = !th.classList.contains('sorted-asc');
        Array.prototype.forEach.call(ths, function(x){ x.classList.remove('sorted-asc','sorted-desc'); });
        th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
        var num = th.getAttribute('data-type') === 'num';
        var rows = Array.prototype.slice.call(table.tBodies[0].rows);
        rows.sort(function(a,b){ var c = cmp(cellValue(a.cells[col]), cellValue(b.cells[col]), num); return asc ? c : -c; });
        rows.forEach(function(r){ table.tBodies[0].appendChild(r); });
      });
    });
  });

  // The dump tables.
  var tables = Array.prototype.slice.call(document.querySelectorAll('table.dumps'));
  var flatTable = document.getElementById('flat-table');
  var flatBox = document.getElementById('flat-box');
  var sections = document.getElementById('bucket-sections');
  var rows = [];
  var groups = [];
  tables.forEach(function(t){
    var body = t.tBodies[0], list = [];
    for (var r = body.firstElementChild; r; r = r.nextElementSibling) {
      if (r.classList.contains('detail')) { if (list.length) list[list.length - 1].detail = r; continue; }
      var e = { tr: r, detail: null, home: body, section: t.closest('section'), text: null, i: rows.length };
      r.dtIndex = rows.length;
      rows.push(e); list.push(e);
    }
    groups.push({ body: body, rows: list, section: t.closest('section') });
  });
  var heads = [flatTable].concat(tables).map(function(t){ return t.tHead.rows[0]; });
  var keys = Array.prototype.map.call(heads[0].cells, function(th){ return th.getAttribute('data-key'); });
  var types = Array.prototype.map.call(heads[0].cells, function(th){ return th.getAttribute('data-type'); });
  var state = { key: null, asc: false, words: [], flat: false };
  var countEl = document.getElementById('dump-count');
  function place(list, body){
    var f = document.createDocumentFragment();
    list.forEach(function(e){ f.appendChild(e.tr); if (e.detail) f.appendChild(e.detail); });
    body.appendChild(f);
  }
  function sorted(list){
    if (state.key === null) return list.slice().sort(function(a,b){ return a.i - b.i; });
    var col = keys.indexOf(state.key); if (col < 0) return list;
    var num = types[col] === 'num';
    var k = list.map(function(e){ return { e: e, v: cellValue(e.tr.cells[col]) }; });
    k.sort(function(a,b){ var c = cmp(a.v, b.v, num); if (c === 0) c = a.e.i - b.e.i; else if (!state.asc) c = -c; return c; });
    return k.map(function(x){ return x.e; });
  }
  function render(){
    if (state.flat) { place(sorted(rows), flatTable.tBodies[0]); }
    else groups.forEach(function(g){ place(sorted(g.rows), g.body); });
    flatBox.hidden = !state.flat;
    sections.hidden = state.flat;
    heads.forEach(function(tr){
      Array.prototype.forEach.call(tr.cells, function(th){
        th.classList.remove('sorted-asc','sorted-desc');
        if (th.getAttribute('data-key') === state.key) th.classList.add(state.asc ? 'sorted-asc' : 'sorted-desc');
      });
    });
    filter();
  }
  function filter(){
    var shown = 0;
    rows.forEach(function(e){
      var ok = true;
      if (state.words.length) {
        if (e.text === null) e.text = e.tr.textContent.toLowerCase();
        for (var w = 0; w < state.words.length; w++) if (e.text.indexOf(state.words[w]) < 0) { ok = false; break; }
      }
      e.tr.hidden = !ok;
      if (!ok && e.detail) { e.detail.hidden = true; e.tr.classList.remove('open'); }
      if (ok) shown++;
    });
    groups.forEach(function(g){
      var any = !state.words.length || g.rows.some(function(e){ return !e.tr.hidden; });
      if (g.section) g.section.hidden = !any;
    });
    countEl.textContent = shown + ' of ' + rows.length + ' dumps shown';
    document.body.setAttribute('data-shown', String(shown));
  }
  function toggle(ev){
    var tr = ev.target.closest('tr'); if (!tr || tr.classList.contains('detail') || !tr.parentNode || tr.parentNode.tagName !== 'TBODY') return;
    var e = rows[tr.dtIndex]; if (!e || !e.detail) return;
    e.detail.hidden = !e.detail.hidden; tr.classList.toggle('open', !e.detail.hidden);
  }
  tables.concat([flatTable]).forEach(function(t){
    t.tBodies[0].addEventListener('click', toggle);
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function(th){
      th.addEventListener('click', function(){
        var k = th.getAttribute('data-key');
        if (state.key === k) state.asc = !state.asc; else { state.key = k; state.asc = k !== 'time' && k !== 'size'; }
        syncControls(); render();
      });
    });
  });
  var fIn = document.getElementById('dump-filter'), sSel = document.getElementById('dump-sort'), dBox = document.getElementById('dump-desc'), flBox = document.getElementById('dump-flat');
  function syncControls(){ if (state.key) sSel.value = state.key; dBox.checked = !state.asc; flBox.checked = state.flat; }
  var timer = null;
  fIn.addEventListener('input', function(){
    clearTimeout(timer);
    timer = setTimeout(function(){ state.words = fIn.value.toLowerCase().split(/\\s+/).filter(Boolean); filter(); }, 150);
  });
  sSel.addEventListener('change', function(){ state.key = sSel.value; render(); });
  dBox.addEventListener('change', function(){ state.asc = !dBox.checked; if (state.key === null) state.key = sSel.value; render(); });
  flBox.addEventListener('change', function(){ state.flat = flBox.checked; if (state.flat && state.key === null) { state.key = 'time'; state.asc = false; syncControls(); } render(); });
  function fromHash(){
    var hsh = location.hash.replace(/^#/, ''); if (hsh.indexOf('=') < 0) return false;
    var changed = false;
    hsh.split('&').forEach(function(kv){
      var i = kv.indexOf('='), k = decodeURIComponent(i < 0 ? kv : kv.slice(0, i)), v = i < 0 ? '' : decodeURIComponent(kv.slice(i + 1).replace(/\\+/g, ' '));
      if (k === 'sort' && keys.indexOf(v) >= 0) { state.key = v; changed = true; }
      else if (k === 'asc') { state.asc = true; changed = true; }
      else if (k === 'desc') { state.asc = false; changed = true; }
      else if (k === 'filter') { fIn.value = v; state.words = v.toLowerCase().split(/\\s+/).filter(Boolean); changed = true; }
      else if (k === 'view') { state.flat = v === 'all'; changed = true; }
      else if (k === 'open') { var e = rows[Number(v)]; if (e && e.detail) { e.detail.hidden = false; e.tr.classList.add('open'); } }
    });
    if (changed) { syncControls(); render(); }
    return changed;
  }
  window.addEventListener('hashchange', fromHash);
  if (!fromHash()) filter();
  document.body.setAttribute('data-ready', 'yes');
  document.body.setAttribute('data-buckets', String(data.buckets.length));
  var ok = document.createElement('p'); ok.id = 'js-ok'; ok.className = 'meta'; ok.textContent = 'Interactive: click a column header to sort.';
  document.getElementById('buckets').insertAdjacentElement('afterend', ok);
})();
`;
