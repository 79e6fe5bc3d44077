/**
 * The dashboard's page (internal): one self-contained HTML document (inline
 * CSS and JavaScript, SVG drawn by the script, no font, image or script from
 * anywhere) that reads the `live` Server-Sent Events stream of the dashboard
 * and redraws at most every {@link RENDER_MS} ms.
 *
 * The stream's first message (`k: "full"`) is the whole state; the next ones
 * (`k: "delta"`) replace the rows, groups and series they carry and add the
 * failures and custom events that are new; `k: "end"` says the dashboard
 * closed (the page keeps what it shows and does not reconnect).
 *
 * Rows are drawn only where the window shows them (the Gantt chart of 2,000
 * rows costs what 60 cost), the time axis is sticky, and the page exposes
 * `window.__dashboard` (render count and cost) for tests and measurements.
 *
 * @module
 */
import { escapeHtml, fmtMs, fmtSeconds, STATE_CSS, tickStep } from "../_gantt.ts";

/** Fewest milliseconds between two redraws of the page. */
export const RENDER_MS = 250;

/** The placeholder of the CSP nonce in {@link dashboardPage}'s text. */
export const NONCE = "__NONCE__";

/**
 * The page for a dashboard titled `title`; its script element carries
 * `nonce="__NONCE__"` ({@link NONCE}), which the server replaces per response.
 */
export function dashboardPage(title: string): string {
  const t = escapeHtml(title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t} · asyncflow dashboard</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">asyncflow</span><h1 id="title">${t}</h1>
  <span id="status" class="status connecting">connecting…</span></div>
  <div class="meta"><span id="elapsed">0 s</span><span id="rate"></span><span id="evcount"></span></div>
</header>
<p id="note" class="banner" hidden></p>
<section class="cards" id="cards">
  <div class="card c-total"><b id="n-tasks">0</b><span>tasks</span><small id="n-blocks"></small></div>
  <div class="card c-pending"><b id="n-pending">0</b><span>pending</span><small id="n-waiting"></small></div>
  <div class="card c-running"><b id="n-running">0</b><span>running</span><small id="n-retries"></small></div>
  <div class="card c-done"><b id="n-done">0</b><span>done</span><small id="n-cached"></small></div>
  <div class="card c-failed"><b id="n-failed">0</b><span>failed</span><small id="n-deps"></small></div>
  <div class="card c-cancelled"><b id="n-cancelled">0</b><span>cancelled</span><small></small></div>
  <div class="progress" title="final tasks out of all"><i class="p-done"></i><i class="p-failed"></i><i class="p-cancelled"></i><i class="p-running"></i></div>
</section>
<section class="panels">
  <div class="panel thru-panel"><h2>Throughput <small>tasks finished per second · <span class="k-run">average running</span></small></h2>
  <svg id="thru" height="130"></svg></div>
  <div class="panel be-panel"><h2>Backends <small>waiting and running now</small></h2>
  <table id="backends"><thead><tr><th>backend</th><th class="num">waiting</th><th class="num">running</th><th></th><th class="num">done</th><th class="num">failed</th></tr></thead><tbody></tbody></table>
  <p class="none" id="no-backends">No task has been routed yet.</p>
  <div id="limits-box" hidden><h2 class="lim-head">Limits <small>ready tasks waiting for a unit, tasks holding one, running</small></h2>
  <table id="limits"><thead><tr><th>limit</th><th class="num">waiting</th><th class="num">holding</th><th class="num">running</th><th></th><th class="num">done</th><th class="num">failed</th></tr></thead><tbody></tbody></table></div></div>
</section>
<section class="main">
  <div class="panel gantt-panel">
    <div class="gantt-head"><h2>Timeline</h2>
    <span class="legend"><span class="key"><i class="sw s-DONE"></i>done</span><span class="key"><i class="sw s-FAILED"></i>failed</span><span class="key"><i class="sw s-CANCELLED"></i>cancelled</span><span class="key"><i class="sw s-RUNNING"></i>running</span><span class="key"><i class="sw wait-sw"></i>waiting</span><span class="key"><i class="sw cached-sw"></i>cached</span><span class="key"><i class="sw dens-sw"></i>workflow activity</span><span class="key"><i class="sw mark-sw"></i>custom event</span></span>
    <span id="rows-note" class="note"></span></div>
    <div class="axis-wrap" id="axis-wrap"><svg id="axis" height="30"></svg></div>
    <div id="gantt-body"><svg id="gantt" height="0"></svg><p class="none" id="no-rows">Waiting for the first task…</p></div>
  </div>
  <aside class="side">
    <div class="panel"><h2>Failures <span id="fail-count" class="badge">0</span></h2>
    <label class="opt" id="dep-opt" hidden><input type="checkbox" id="show-deps"> show dependency failures <span id="dep-count"></span></label>
    <ul id="failures" class="list"></ul><p class="none" id="no-failures">No failures.</p><p class="note" id="fail-note"></p></div>
    <div class="panel"><h2>Custom events <span id="mark-count" class="badge">0</span></h2>
    <ul id="marks" class="list"></ul><p class="none" id="no-marks">None emitted (<code>flow.emit()</code>).</p></div>
  </aside>
</section>
<div id="detail" class="detail" hidden role="dialog" aria-labelledby="detail-title">
  <button id="detail-close" class="close" title="close (Esc)">×</button>
  <div id="detail-body"></div>
</div>
<div id="tip" role="tooltip" hidden></div>
<script nonce="${NONCE}">${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f3f4f6}
h1,h2{margin:0;font-weight:600}
h2{font-size:13px;color:#374151;margin-bottom:8px;display:flex;align-items:center;gap:8px}
h2 small{font-weight:400;color:#6b7280}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:0 3px;border-radius:3px}
.top{display:flex;justify-content:space-between;align-items:center;padding:10px 18px;background:#111827;color:#f9fafb}
.brand{display:flex;align-items:center;gap:12px}
.logo{font-weight:700;letter-spacing:.02em;color:#93c5fd}
h1{font-size:16px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.meta{display:flex;gap:16px;color:#d1d5db;font-variant-numeric:tabular-nums}
.status{font-size:12px;padding:2px 9px;border-radius:10px;background:#374151;color:#e5e7eb}
.status.live{background:#065f46;color:#d1fae5}
.status.live::before{content:"";display:inline-block;width:7px;height:7px;border-radius:50%;background:#34d399;margin-right:6px;animation:pulse 1.6s infinite}
.status.ended{background:#4b5563}.status.past{background:#1e3a8a;color:#dbeafe}.status.lost{background:#92400e;color:#fef3c7}
@keyframes pulse{50%{opacity:.3}}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;padding:14px 18px 6px}
.card{background:#fff;border-radius:8px;padding:10px 14px;border:1px solid #e5e7eb;border-top:4px solid #9ca3af;display:flex;flex-direction:column}
.card b{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.15}
.card span{color:#4b5563}.card small{color:#6b7280;min-height:1.4em}
.c-total{border-top-color:#111827}.c-pending{border-top-color:#93c5fd}.c-running{border-top-color:#3d7bd9}
.c-done{border-top-color:#2f9e5a}.c-failed{border-top-color:#d83b3b}.c-cancelled{border-top-color:#9a9a9a}
.c-failed b{color:#b91c1c}
.progress{grid-column:1/-1;height:6px;border-radius:3px;background:#e5e7eb;display:flex;overflow:hidden}
.progress i{display:block;height:100%;width:0;transition:width .2s}
.p-done{background:#2f9e5a}.p-failed{background:#d83b3b}.p-cancelled{background:#9a9a9a}.p-running{background:#3d7bd9;opacity:.6}
.panels{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:10px;padding:6px 18px}
.panel{background:#fff;border-radius:8px;border:1px solid #e5e7eb;padding:10px 12px}
#thru{width:100%;display:block}
.k-run{color:#3d7bd9}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th{font-weight:500;color:#6b7280;text-align:left;font-size:12px;border-bottom:1px solid #e5e7eb;padding:2px 6px}
td{padding:3px 6px;border-bottom:1px solid #f3f4f6}
.num{text-align:right}
td.name{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.mini{display:flex;width:110px;height:8px;background:#f3f4f6;border-radius:4px;overflow:hidden}
.mini i{display:block;height:100%}.mini .m-run{background:#3d7bd9}.mini .m-wait{background:#93c5fd}
.none{color:#9ca3af;margin:6px 0}
.main{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:10px;padding:6px 18px 24px;align-items:start}
.gantt-panel{padding:0 0 8px}
.gantt-head{display:flex;flex-wrap:wrap;align-items:center;gap:12px;padding:10px 12px 6px}
.gantt-head h2{margin:0}
.legend{display:flex;flex-wrap:wrap;gap:12px;color:#4b5563;font-size:12px}
.key{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:18px;height:10px;border-radius:2px}
.cached-sw{background:repeating-linear-gradient(135deg,#2f9e5a 0 3px,#a7dcbc 3px 6px)}
.dens-sw{background:linear-gradient(90deg,rgba(61,123,217,.1),rgba(61,123,217,.8))}
.mark-sw{background:#b06ad9;width:4px}
.note{color:#6b7280;font-size:12px}
.banner{margin:10px 18px 0;padding:7px 12px;border-radius:6px;background:#fffbeb;border:1px solid #fde68a;color:#78350f}
.lim-head{margin-top:12px}
.mini .m-held{background:#c7d7f5}
.axis-wrap{position:sticky;top:0;z-index:3;background:#fff;border-bottom:1px solid #d1d5db;box-shadow:0 2px 3px -2px rgba(0,0,0,.15)}
#axis,#gantt{display:block;width:100%}
#gantt-body{position:relative}
.tick{font-size:10px;fill:#6b7280;text-anchor:middle}
.axis-line{stroke:#9ca3af}.grid{stroke:#eceef1}
.axis-title{font-size:11px;fill:#6b7280}
.row{fill:#fff}.row.odd{fill:#f8f9fb}
.grow{fill:#eef2fa}.grow.block-group{fill:#f3effb}.grow:hover{fill:#e3e9f6}
.glabel{font-size:12px;font-weight:600;fill:#1f2937;cursor:pointer}
.gsub{fill:#6b7280;font-size:10px}
.caret{fill:#6b7280;font-size:10px}
.label{font-size:12px;fill:#1f2328}.label.block-label{font-weight:600}
.uid{fill:#8b949e;font-size:10px}
.more{font-size:11px;fill:#6b7280;font-style:italic}
.dens{fill:#3d7bd9}
.gbar-bg{fill:#e5e7eb}
.gp-done{fill:#2f9e5a}.gp-failed{fill:#d83b3b}.gp-cancelled{fill:#9a9a9a}.gp-running{fill:#3d7bd9}
${STATE_CSS}
.bar{stroke:rgba(0,0,0,.22);stroke-width:.5;cursor:pointer}
.bar.not-run{opacity:.45}
.bar.block{stroke:#4c1d95;stroke-width:1}
.bar.cached{fill:url(#hatch);stroke:#14532d;stroke-width:1}
.bar.point{stroke:#111827;stroke-width:.75}
.bar.focus{stroke:#000;stroke-width:2}
.wait.deps{opacity:.12}
.now-line{stroke:#3d7bd9;stroke-width:1;stroke-dasharray:3 3;opacity:.6}
.mark line{stroke:#b06ad9;stroke-width:1;stroke-dasharray:2 3}.mark path{fill:#b06ad9}
.thru-done{fill:#2f9e5a}.thru-failed{fill:#d83b3b}.thru-cancelled{fill:#9a9a9a}
.thru-run{fill:none;stroke:#3d7bd9;stroke-width:1.5}
.thru-label{font-size:10px;fill:#6b7280}
.side{position:sticky;top:8px;display:flex;flex-direction:column;gap:10px;max-height:calc(100vh - 16px);overflow:auto}
.badge{background:#e5e7eb;color:#374151;border-radius:9px;padding:0 7px;font-size:11px;font-weight:600}
.badge.bad{background:#fee2e2;color:#b91c1c}
.list{list-style:none;margin:0;padding:0;max-height:360px;overflow:auto}
.list li{padding:6px 8px;border-radius:6px;border:1px solid transparent;cursor:pointer}
.list li:hover{background:#f9fafb;border-color:#e5e7eb}
.list li+li{margin-top:2px}
.fname{font-weight:600}.fuid{color:#8b949e;font-size:11px;margin-left:6px}
.ferr{color:#b91c1c;font-size:12px;word-break:break-word}
.ferr.dep{color:#92400e}
.mtype{font-weight:600;color:#7e22ce}.mtime{color:#8b949e;font-size:11px;margin-left:6px}
.mattrs{font:11px ui-monospace,SFMono-Regular,Menlo,monospace;color:#374151;word-break:break-all}
.opt{display:block;font-size:12px;color:#4b5563;margin-bottom:6px}
.detail{position:fixed;top:0;right:0;bottom:0;width:min(620px,92vw);z-index:20;background:#fff;border-left:1px solid #d1d5db;box-shadow:-8px 0 24px rgba(0,0,0,.12);padding:18px 20px;overflow:auto}
.detail h3{margin:0 0 4px;font-size:16px}
.detail .sub{color:#6b7280;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;margin-bottom:12px}
.detail dl{display:grid;grid-template-columns:110px 1fr;gap:3px 10px;margin:0 0 14px}
.detail dt{color:#6b7280}.detail dd{margin:0;font-variant-numeric:tabular-nums;word-break:break-word}
.errbox{border:1px solid #fecaca;background:#fef2f2;border-radius:6px;padding:10px 12px;margin-bottom:10px}
.errbox.cause{border-color:#fed7aa;background:#fff7ed}
.errname{font-weight:700;color:#991b1b}
.errmsg{white-space:pre-wrap;word-break:break-word;margin:2px 0 6px}
.errbox pre{margin:6px 0 0;font:11.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-all;color:#374151;max-height:340px;overflow:auto}
.close{position:absolute;top:8px;right:10px;border:0;background:none;font-size:24px;cursor:pointer;color:#6b7280}
#tip{position:fixed;z-index:10;max-width:440px;background:#111827;color:#f9fafb;border-radius:5px;padding:6px 9px;font-size:12px;pointer-events:none;white-space:pre-wrap;box-shadow:0 4px 12px rgba(0,0,0,.25)}
@media (max-width:1100px){.cards{grid-template-columns:repeat(3,1fr)}.panels,.main{grid-template-columns:1fr}.side{position:static;max-height:none}}
`;

/**
 * The page's script. Plain JavaScript (ES2017) in one function scope; text
 * from the run reaches the DOM escaped (`esc`) or through `textContent`.
 * The axis functions are the timeline's own (`_gantt.ts`), embedded by source.
 */
const SCRIPT = `(function(){"use strict";
${tickStep.toString()}
${fmtSeconds.toString()}
${fmtMs.toString()}
var RENDER_MS=${RENDER_MS};
` + String.raw`
var ROW_H=18,GROUP_H=26,MORE_H=18,AXIS_H=30,PAD=12;
var STATE=["PENDING","PENDING","PENDING","RUNNING","PENDING","DONE","FAILED","CANCELLED"];
var PHASE=["waiting for dependencies","ready","submitted to its backend","running","waiting to retry","done","failed","cancelled"];
var S={live:true,ended:false,past:false,t0:null,now:0,recvAt:0,counts:{},backends:[],namedLimits:[],buckets:null,note:null,
  groups:[],rows:[],failures:[],failSeen:{},marks:[],markSeen:{},markTypes:{},limits:{}};
var layout=null,layoutDirty=true,listsDirty=true,toggled={},showDeps=false,selected=null,aggregate=false;
// beyond the rows drawn one by one, the chart shows workflows: their rows start collapsed
function isCollapsed(g){return g.i in toggled?toggled[g.i]:aggregate&&g.n>50;}
var stats={renders:0,lastMs:0,maxMs:0,messages:0,bytes:0,layouts:0};
window.__dashboard=stats;
function $(id){return document.getElementById(id);}
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return c==="&"?"&amp;":c==="<"?"&lt;":c===">"?"&gt;":c==='"'?"&quot;":"&#39;";});}
function num(n){return (n||0).toLocaleString("en-US");}
function cut(s,n){s=String(s);return s.length<=n?s:s.slice(0,Math.max(1,n-1))+"\u2026";}
function nowRel(){return S.live&&!S.ended?S.now+(performance.now()-S.recvAt):S.now;}
function fmtDur(ms){if(ms==null)return "-";if(ms<1000)return ms.toFixed(1)+" ms";if(ms<120000)return (ms/1000).toFixed(2)+" s";
  var m=Math.floor(ms/60000),s=Math.round((ms%60000)/1000);if(m<120)return m+" min "+s+" s";return Math.floor(m/60)+" h "+(m%60)+" min";}

// ------------------------------------------------------------ the stream
var es=new EventSource("live");
es.onmessage=function(m){
  stats.messages++;stats.bytes+=m.data.length;
  var d;try{d=JSON.parse(m.data);}catch(e){return;}
  if(d.k==="full")applyFull(d);else if(d.k==="delta")applyDelta(d);
  else if(d.k==="end"){S.ended=true;S.live=false;es.close();}
  schedule();
};
es.onerror=function(){if(!S.ended){lost=true;schedule();}};
es.onopen=function(){lost=false;schedule();};
var lost=false;
function setTime(d){if(d.now!=null){S.now=d.now;S.recvAt=performance.now();}if(d.t0!=null)S.t0=d.t0;}
function applyFull(d){
  S.live=!!d.live;S.past=!d.live;S.limits=d.limits||{};setTime(d);
  S.counts=d.counts||{};S.backends=d.backends||[];S.namedLimits=d.namedLimits||[];S.buckets=d.buckets||null;
  S.note=d.note||null;
  S.groups=[];(d.groups||[]).forEach(function(g){S.groups[g.i]=g;});
  S.rows=[];(d.rows||[]).forEach(function(r){S.rows[r.i]=r;});
  S.failures=[];S.failSeen={};addFailures(d.failures||[]);
  S.marks=[];S.markSeen={};addMarks(d.marks||[]);S.markTypes=d.markTypes||{};
  layoutDirty=true;listsDirty=true;
}
function applyDelta(d){
  if(d.live!=null)S.live=!!d.live;
  setTime(d);
  if(d.counts)S.counts=d.counts;
  if(d.backends)S.backends=d.backends;
  if(d.namedLimits)S.namedLimits=d.namedLimits;
  if(d.buckets)S.buckets=d.buckets;
  (d.groups||[]).forEach(function(g){if(!S.groups[g.i])layoutDirty=true;S.groups[g.i]=g;});
  (d.rows||[]).forEach(function(r){if(!S.rows[r.i])layoutDirty=true;S.rows[r.i]=r;});
  if(d.failures)addFailures(d.failures);
  if(d.marks)addMarks(d.marks);
  if(d.markTypes)S.markTypes=d.markTypes;
}
function addFailures(list){list.forEach(function(f){if(S.failSeen[f.uid])return;S.failSeen[f.uid]=f;S.failures.push(f);listsDirty=true;});}
function addMarks(list){
  list.forEach(function(m){if(S.markSeen[m.seq])return;S.markSeen[m.seq]=1;S.marks.push(m);listsDirty=true;});
  var max=S.limits.maxMarks||300;
  if(S.marks.length>max){S.marks.splice(0,S.marks.length-max).forEach(function(m){delete S.markSeen[m.seq];});}
}

// ------------------------------------------------------------ scheduling
var timer=null,lastRender=0,scrollPending=false;
function schedule(){
  if(timer!==null)return;
  var wait=Math.max(0,RENDER_MS-(performance.now()-lastRender));
  timer=setTimeout(function(){timer=null;render();},wait);
}
setInterval(function(){if(S.live&&!S.ended&&(S.counts.running||0)+(S.counts.pending||0)>0)schedule();},500);
window.addEventListener("scroll",function(){
  if(scrollPending)return;scrollPending=true;
  requestAnimationFrame(function(){scrollPending=false;var t=performance.now();renderGantt();stats.scrollMs=Math.round((performance.now()-t)*10)/10;});
},{passive:true});
window.addEventListener("resize",function(){schedule();});

function render(){
  var t=performance.now(),parts={};lastRender=t;
  function part(name,f){var a=performance.now();f();parts[name]=Math.round((performance.now()-a)*10)/10;}
  part("header",renderHeader);part("cards",renderCards);part("throughput",renderThroughput);part("backends",renderBackends);
  if(listsDirty){part("lists",function(){renderFailures();renderMarks();});listsDirty=false;}
  part("gantt",renderGantt);
  var ms=performance.now()-t;stats.renders++;stats.lastMs=ms;stats.parts=parts;if(ms>stats.maxMs)stats.maxMs=ms;
}

// ------------------------------------------------------------ header and cards
function renderHeader(){
  var st=$("status");
  if(S.ended){st.className="status ended";st.textContent=S.past?"finished run":"dashboard closed";}
  else if(lost){st.className="status lost";st.textContent="reconnecting…";}
  else if(S.past){st.className="status past";st.textContent="finished run";}
  else if(S.t0===null&&stats.messages===0){st.className="status connecting";st.textContent="connecting…";}
  else{st.className="status live";st.textContent="live";}
  var nt=$("note");if(nt.textContent!==(S.note||""))nt.textContent=S.note||"";nt.hidden=!S.note;
  var now=nowRel(),c=S.counts;
  $("elapsed").textContent=S.t0===null?"no events yet":fmtDur(now)+(S.t0!==null?" since "+new Date(S.t0).toLocaleTimeString():"");
  var fin=(c.done||0)+(c.failed||0)+(c.cancelled||0);
  $("rate").textContent=now>0&&fin>0?(fin/(now/1000)).toFixed(fin/(now/1000)<10?2:0)+" tasks/s overall":"";
  $("evcount").textContent=num(c.events)+" events";
}
function setText(id,v){var e=$(id);if(e.textContent!==v)e.textContent=v;}
function renderCards(){
  var c=S.counts;
  setText("n-tasks",num(c.tasks));
  setText("n-blocks",c.blocks?num(c.blocks)+" block"+(c.blocks===1?"":"s"):"");
  setText("n-pending",num(c.pending));
  setText("n-waiting",c.pending?num(c.waiting)+" ready"+(c.waitingLimits?" ("+num(c.waitingLimits)+" for a limit)":"")+", "+num(c.pending-c.waiting)+" on dependencies":"");
  setText("n-running",num(c.running));
  setText("n-retries",c.retries?num(c.retries)+" retr"+(c.retries===1?"y":"ies"):"");
  setText("n-done",num(c.done));
  var tok=(c.promptTokens||0)+(c.completionTokens||0);
  setText("n-cached",[c.cached?num(c.cached)+" cached":"",tok?num(tok)+" tokens":""].filter(Boolean).join(" \u00b7 "));
  setText("n-failed",num(c.failed));
  setText("n-deps",c.depFailures?num(c.failures-c.depFailures)+" own, "+num(c.depFailures)+" via dependencies":"");
  setText("n-cancelled",num(c.cancelled));
  var all=(c.tasks||0)+(c.blocks||0)||1;
  var p=document.querySelector(".progress").children;
  p[0].style.width=(100*(c.done||0)/all)+"%";p[1].style.width=(100*(c.failed||0)/all)+"%";
  p[2].style.width=(100*(c.cancelled||0)/all)+"%";p[3].style.width=(100*(c.running||0)/all)+"%";
}

// ------------------------------------------------------------ throughput
function renderThroughput(){
  var svg=$("thru"),W=svg.clientWidth||600,H=130,L=44,R=40,T=8,B=20;
  var b=S.buckets;if(!b||!b.done.length){svg.innerHTML='<text class="thru-label" x="'+L+'" y="60">No task has finished yet.</text>';return;}
  var n=b.done.length,w=b.w,now=Math.max(nowRel(),1),span=Math.max(now,n*w*0.25,1);
  var pw=W-L-R,ph=H-T-B,x=function(t){return L+t/span*pw;};
  var rate=[],run=[],maxR=0,maxRun=0;
  for(var i=0;i<n;i++){
    var len=Math.min(w,Math.max(now-i*w,w*0.05));
    var fin=b.done[i]+b.failed[i]+b.cancelled[i];
    rate.push(fin/(len/1000));run.push(b.busy[i]/len);
    if(rate[i]>maxR)maxR=rate[i];if(run[i]>maxRun)maxRun=run[i];
  }
  if(maxR<=0)maxR=1;if(maxRun<=0)maxRun=1;
  var o=[];
  o.push('<line class="axis-line" x1="'+L+'" y1="'+(T+ph)+'" x2="'+(L+pw)+'" y2="'+(T+ph)+'"/>');
  o.push('<text class="thru-label" x="'+(L-6)+'" y="'+(T+8)+'" text-anchor="end">'+fmtRate(maxR)+'/s</text>');
  o.push('<text class="thru-label" x="'+(L-6)+'" y="'+(T+ph)+'" text-anchor="end">0</text>');
  o.push('<text class="thru-label" x="'+(L+pw+4)+'" y="'+(T+8)+'" fill="#3d7bd9">'+fmtRate(maxRun)+'</text>');
  var step=tickStep(span,Math.max(2,Math.round(pw/110)));
  for(var t=0;t<=span+step*1e-9;t+=step){var tx=x(t).toFixed(1);
    o.push('<line class="grid" x1="'+tx+'" y1="'+T+'" x2="'+tx+'" y2="'+(T+ph)+'"/><text class="tick" x="'+tx+'" y="'+(H-6)+'">'+fmtSeconds(t,step)+'</text>');}
  for(i=0;i<n;i++){
    var len2=Math.min(w,Math.max(now-i*w,w*0.05)),x0=x(i*w),bw=Math.max(x(i*w+len2)-x0-0.6,0.6),y=T+ph;
    [["done",b.done[i]],["failed",b.failed[i]],["cancelled",b.cancelled[i]]].forEach(function(p){
      if(!p[1])return;var h=p[1]/(len2/1000)/maxR*ph;y-=h;
      o.push('<rect class="thru-'+p[0]+'" x="'+x0.toFixed(1)+'" y="'+y.toFixed(1)+'" width="'+bw.toFixed(1)+'" height="'+h.toFixed(1)+'"><title>'+p[1]+' '+p[0]+' in '+fmtDur(len2)+'</title></rect>');
    });
  }
  var pts=[];for(i=0;i<n;i++){var len3=Math.min(w,Math.max(now-i*w,w*0.05));pts.push(x(i*w+len3/2).toFixed(1)+","+(T+ph-run[i]/maxRun*ph).toFixed(1));}
  o.push('<polyline class="thru-run" points="'+pts.join(" ")+'"/>');
  svg.innerHTML=o.join("");
}
function fmtRate(v){return v>=100?Math.round(v).toLocaleString("en-US"):v>=10?v.toFixed(1):v.toFixed(2);}

// ------------------------------------------------------------ backends
function renderBackends(){
  var tb=document.querySelector("#backends tbody"),list=S.backends;
  $("no-backends").hidden=list.length>0;$("backends").hidden=list.length===0;
  setText("no-backends",S.live?"No task has been routed yet.":"No task of this run names its backend.");
  var max=1;list.forEach(function(b){if(b.running+b.waiting>max)max=b.running+b.waiting;});
  var h=list.map(function(b){
    return '<tr><td class="name">'+esc(b.name)+'</td><td class="num">'+num(b.waiting)+'</td><td class="num">'+num(b.running)+
      '</td><td><span class="mini"><i class="m-run" style="width:'+(100*b.running/max)+'%"></i><i class="m-wait" style="width:'+(100*b.waiting/max)+'%"></i></span></td><td class="num">'+
      num(b.done)+'</td><td class="num">'+num(b.failed)+'</td></tr>';
  }).join("");
  if(tb.innerHTML!==h)tb.innerHTML=h;
  renderLimits();
}
function renderLimits(){
  var list=S.namedLimits||[];$("limits-box").hidden=list.length===0;
  var max=1;list.forEach(function(l){if(l.held+l.waiting>max)max=l.held+l.waiting;});
  var h=list.map(function(l){
    return '<tr data-limit="'+esc(l.name)+'"><td class="name">'+esc(l.name)+'</td><td class="num l-waiting">'+num(l.waiting)+'</td><td class="num l-held">'+num(l.held)+
      '</td><td class="num l-running">'+num(l.running)+'</td><td><span class="mini"><i class="m-run" style="width:'+(100*l.running/max)+'%"></i><i class="m-held" style="width:'+(100*(l.held-l.running)/max)+
      '%"></i><i class="m-wait" style="width:'+(100*l.waiting/max)+'%"></i></span></td><td class="num">'+num(l.done)+'</td><td class="num">'+num(l.failed)+'</td></tr>';
  }).join("");
  var tb=document.querySelector("#limits tbody");if(tb.innerHTML!==h)tb.innerHTML=h;
}

// ------------------------------------------------------------ failures and custom events
function errLine(e){return e?(e.name||"Error")+": "+e.message:"";}
function renderFailures(){
  var c=S.counts,own=S.failures.filter(function(f){return !f.dep;}),deps=S.failures.length-own.length;
  var badge=$("fail-count");badge.textContent=num(c.failures||0);badge.className="badge"+(c.failures?" bad":"");
  $("dep-opt").hidden=deps===0;$("dep-count").textContent="("+num(deps)+")";
  var list=showDeps?own.concat(S.failures.filter(function(f){return f.dep;})):own;
  $("no-failures").hidden=S.failures.length>0;
  $("failures").innerHTML=list.map(function(f){
    return '<li data-uid="'+esc(f.uid)+'"><span class="fname">'+esc(cut(f.name,60))+'</span><span class="fuid">'+esc(f.uid)+
      '</span><div class="ferr'+(f.dep?" dep":"")+'">'+esc(cut(errLine(f.error),220))+'</div></li>';
  }).join("");
  var kept=S.failures.length;
  $("fail-note").textContent=(c.failures||0)>kept?num(c.failures-kept)+" more failures are counted but not listed":"";
}
function renderMarks(){
  $("mark-count").textContent=num(S.counts.marks||0);
  $("no-marks").hidden=S.marks.length>0;
  var h=[];for(var i=S.marks.length-1;i>=0&&h.length<200;i--){var m=S.marks[i];
    h.push('<li data-seq="'+m.seq+'"><span class="mtype">'+esc(m.type)+'</span><span class="mtime">'+fmtDur(m.t)+
      (m.workflowId?" · "+esc(cut(m.workflowId,40)):"")+'</span><div class="mattrs">'+esc(cut(m.attrs,300))+'</div></li>');}
  $("marks").innerHTML=h.join("");
}

// ------------------------------------------------------------ Gantt
function buildLayout(){
  stats.layouts++;
  var kids={},blockChild={},rowsBy={},top=[],items=[],y=0;
  S.groups.forEach(function(g){
    if(!g)return;
    if(g.parent>=0&&S.groups[g.parent]){(kids[g.parent]=kids[g.parent]||[]).push(g);if(g.kind==="block")blockChild[g.id]=g;}
    else top.push(g);
  });
  S.rows.forEach(function(r){if(r)(rowsBy[r.g]=rowsBy[r.g]||[]).push(r);});
  var seen={};
  function addGroup(g,depth){
    if(seen[g.i])return;seen[g.i]=1;
    items.push({t:"g",i:g.i,d:depth,y:y,h:GROUP_H});y+=GROUP_H;
    if(isCollapsed(g))return;
    var placed={};
    (rowsBy[g.i]||[]).forEach(function(r){
      items.push({t:"r",i:r.i,d:depth+1,y:y,h:ROW_H});y+=ROW_H;
      var cg=blockChild[r.uid];if(cg){placed[cg.i]=1;addGroup(cg,depth+1);}
    });
    (kids[g.i]||[]).forEach(function(cg){if(!placed[cg.i])addGroup(cg,depth+1);});
    if(g.n>g.drawn){items.push({t:"m",i:g.i,d:depth+1,y:y,h:MORE_H});y+=MORE_H;}
  }
  top.forEach(function(g){addGroup(g,0);});
  // items name rows and groups by index: a delta replaces their objects, not the layout
  layout={items:items,height:y};layoutDirty=false;
}
function geometry(){
  var W=$("gantt-body").clientWidth||1000,LW=Math.min(300,Math.max(180,Math.round(W*0.26)));
  var span=Math.max(nowRel(),1),pw=Math.max(W-LW-PAD,50);
  return {W:W,LW:LW,pw:pw,span:span,x:function(t){return LW+Math.min(Math.max(t,0),span)/span*pw;}};
}
function renderAxis(G){
  var o=[],step=tickStep(G.span,Math.max(2,Math.round(G.pw/110)));
  o.push('<text class="axis-title" x="8" y="19">task · uid</text>');
  o.push('<line class="axis-line" x1="'+G.LW+'" y1="'+(AXIS_H-1)+'" x2="'+(G.LW+G.pw)+'" y2="'+(AXIS_H-1)+'"/>');
  for(var t=0;t<=G.span+step*1e-9;t+=step){var tx=G.x(t).toFixed(1);
    o.push('<line class="axis-line" x1="'+tx+'" y1="'+(AXIS_H-6)+'" x2="'+tx+'" y2="'+AXIS_H+'"/><text class="tick" x="'+tx+'" y="'+(AXIS_H-10)+'">'+fmtSeconds(t,step)+'</text>');}
  S.marks.forEach(function(m){var mx=G.x(m.t).toFixed(1);
    o.push('<g class="mark"><title>'+esc(m.type+" at "+fmtDur(m.t)+"\n"+cut(m.attrs,300))+'</title><path d="M'+mx+','+(AXIS_H-1)+' l-4,-6 h8 z"/></g>');});
  var a=$("axis");a.setAttribute("viewBox","0 0 "+G.W+" "+AXIS_H);a.setAttribute("width",G.W);a.innerHTML=o.join("");
}
function renderGantt(){
  var agg=(S.counts.tasks||0)+(S.counts.blocks||0)>(S.counts.rows||0);
  if(agg!==aggregate){aggregate=agg;layoutDirty=true;}
  if(layoutDirty)buildLayout();
  var G=geometry(),svg=$("gantt"),items=layout.items;
  renderAxis(G);
  $("no-rows").hidden=items.length>0;
  var c=S.counts,drawn=c.rows||0,total=(c.tasks||0)+(c.blocks||0);
  setText("rows-note",total>drawn?num(drawn)+" of "+num(total)+" drawn one by one, the rest counted in their workflow's row; click a workflow to open or close it":"");
  svg.setAttribute("height",layout.height);svg.setAttribute("viewBox","0 0 "+G.W+" "+layout.height);svg.setAttribute("width",G.W);
  var top=-svg.getBoundingClientRect().top,lo=top-300,hi=top+window.innerHeight+300;
  var i0=0,i1=items.length;
  while(i0<i1){var mid=(i0+i1)>>1;if(items[mid].y+items[mid].h<lo)i0=mid+1;else i1=mid;}
  var o=['<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#a7dcbc"/><rect width="3" height="6" fill="#2f9e5a"/></pattern></defs>'];
  var now=nowRel(),yTop=Infinity,yBot=0;
  var step=tickStep(G.span,Math.max(2,Math.round(G.pw/110)));
  var grid=[];
  for(var i=i0;i<items.length&&items[i].y<hi;i++){
    var it=items[i];if(it.y<yTop)yTop=it.y;yBot=it.y+it.h;
    if(it.t==="g")o.push(groupRow(it,G));else if(it.t==="r")o.push(taskRow(it,G,now,i));else o.push(moreRow(it,G));
  }
  if(yBot>yTop){
    for(var t=step;t<=G.span+step*1e-9;t+=step){var tx=G.x(t).toFixed(1);grid.push('<line class="grid" x1="'+tx+'" y1="'+yTop+'" x2="'+tx+'" y2="'+yBot+'"/>');}
    S.marks.forEach(function(m){var mx=G.x(m.t).toFixed(1);grid.push('<g class="mark"><line x1="'+mx+'" y1="'+yTop+'" x2="'+mx+'" y2="'+yBot+'"/></g>');});
    if(S.live&&!S.ended){var nx=G.x(now).toFixed(1);grid.push('<line class="now-line" x1="'+nx+'" y1="'+yTop+'" x2="'+nx+'" y2="'+yBot+'"/>');}
  }
  // grid lines go after the row backgrounds and before the bars: rows are drawn in two passes
  var bg=[],fg=[];
  o.slice(1).forEach(function(s){var k=s.indexOf("\u0001");if(k<0){bg.push(s);}else{bg.push(s.slice(0,k));fg.push(s.slice(k+1));}});
  svg.innerHTML=o[0]+bg.join("")+grid.join("")+fg.join("");
  if(selected){var f=svg.querySelector('rect.bar[data-uid="'+CSS.escape(selected)+'"]');if(f)f.classList.add("focus");}
}
function label(x,y,cls,name,sub,room){
  var n=cut(name,Math.max(4,room-Math.min(sub.length+1,18)));
  var s=sub?cut(sub,Math.max(0,room-n.length-1)):"";
  return '<text class="'+cls+'" x="'+x+'" y="'+y+'">'+esc(n)+(s?'<tspan class="uid"> '+esc(s)+'</tspan>':"")+'</text>';
}
function groupRow(it,G){
  var g=S.groups[it.i],y=it.y,lx=8+it.d*14,fin=g.done+g.failed+g.cancelled;
  var title=g.kind==="block"?"members of "+g.label:g.kind==="scope"?"workflow "+g.label:g.label;
  var sub=num(g.n)+" task"+(g.n===1?"":"s")+(g.cached?" · "+num(g.cached)+" cached":"")+(g.failed?" · "+num(g.failed)+" failed":"")+(g.running?" · "+num(g.running)+" running":"");
  var o='<rect class="grow'+(g.kind==="block"?" block-group":"")+'" data-group="'+g.i+'" x="0" y="'+y+'" width="'+G.W+'" height="'+it.h+'"/>';
  o+='<text class="caret" x="'+lx+'" y="'+(y+16)+'">'+(isCollapsed(g)?"\u25B8":"\u25BE")+'</text>';
  var room=Math.floor((G.LW-lx-16)/7.2);
  o+='<text class="glabel" data-group="'+g.i+'" x="'+(lx+12)+'" y="'+(y+12)+'"><title>'+esc(title+" ("+g.id.replace("\u0000","")+")\n"+sub+"\n"+num(g.done)+" done, "+num(g.cancelled)+" cancelled, "+num(g.waiting)+" waiting")+'</title>'+esc(cut(title,room))+'</text>';
  // progress of the group under its name, its counts beside
  var pw=Math.min(90,G.LW-lx-24),px=lx+12,py=y+17,tot=g.n||1,acc=0;
  o+='<rect class="gbar-bg" x="'+px+'" y="'+py+'" width="'+pw+'" height="4" rx="2"/>';
  [["done",g.done],["failed",g.failed],["cancelled",g.cancelled],["running",g.running]].forEach(function(p){
    if(!p[1])return;var w=p[1]/tot*pw;o+='<rect class="gp-'+p[0]+'" x="'+(px+acc).toFixed(1)+'" y="'+py+'" width="'+w.toFixed(1)+'" height="4"/>';acc+=w;});
  o+='<text class="gsub" x="'+(px+pw+6)+'" y="'+(y+22)+'">'+esc(cut(sub,Math.floor((G.LW-px-pw-12)/5.6)))+'</text>';
  // activity: average running tasks per bucket
  var b=S.buckets,d=g.dens;
  if(b&&d&&d.length){
    var w=b.w,max=0,i;for(i=0;i<d.length;i++)if(d[i]>max)max=d[i];
    if(max>0){for(i=0;i<d.length;i++){if(!d[i])continue;var x0=G.x(i*w),x1=G.x((i+1)*w);
      o+='<rect class="dens" x="'+x0.toFixed(1)+'" y="'+(y+5)+'" width="'+Math.max(x1-x0+0.5,0.8).toFixed(1)+'" height="'+(it.h-10)+'" opacity="'+(0.12+0.78*d[i]/max).toFixed(2)+'"><title>'+(d[i]/w).toFixed(1)+' running on average</title></rect>';}}
  }
  return o;
}
function taskRow(it,G,now,i){
  var r=S.rows[it.i],y=it.y,lx=8+it.d*14,st=STATE[r.st],room=Math.floor((G.LW-lx-8)/6.4);
  var o='<rect class="row'+(i%2?" odd":"")+'" x="0" y="'+y+'" width="'+G.W+'" height="'+it.h+'"/>';
  o+=label(lx,y+13,r.block?"label block-label":"label",r.name,r.uid,room);
  o+="\u0001";
  var h=r.block?8:12,by=(y+(it.h-h)/2).toFixed(1),c=r.c!=null?r.c:(r.s!=null?r.s:(r.e!=null?r.e:0));
  var end=r.e!=null?r.e:now,run=r.s!=null?r.s:null;
  if(run!==null&&run>c)o+='<rect class="wait s-'+st+'" x="'+G.x(c).toFixed(1)+'" y="'+by+'" width="'+Math.max(G.x(run)-G.x(c),0.5).toFixed(1)+'" height="'+h+'"/>';
  else if(run===null&&r.e==null)o+='<rect class="wait s-PENDING'+(r.st===0?" deps":"")+'" x="'+G.x(c).toFixed(1)+'" y="'+by+'" width="'+Math.max(G.x(now)-G.x(c),0.5).toFixed(1)+'" height="'+h+'"/>';
  if(run===null&&r.e==null)return o;
  var attrs='" data-uid="'+esc(r.uid)+'" data-state="'+st+'" y="'+by+'" height="'+h+'"';
  if(run===null&&(r.ca||r.e<=c)){
    // completed from the cache, or only its final time is known (a journal): a mark at its end,
    // after the wait since its creation
    var ex=G.x(r.e);
    if(ex-G.x(c)>1)o+='<rect class="wait s-PENDING" x="'+G.x(c).toFixed(1)+'" y="'+by+'" width="'+(ex-G.x(c)).toFixed(1)+'" height="'+h+'"/>';
    var mw=r.ca?7:5;
    return o+'<rect class="bar s-'+st+(r.block?" block":"")+(r.ca?" cached":" point")+attrs+' x="'+(ex-mw/2).toFixed(1)+'" width="'+mw+'" rx="1"/>';
  }
  var from=run!==null?run:c,cls="bar s-"+st+(r.block?" block":"")+(run===null?" not-run":"");
  o+='<rect class="'+cls+attrs+' x="'+G.x(from).toFixed(1)+'" width="'+Math.max(G.x(end)-G.x(from),2).toFixed(1)+'" rx="2"/>';
  return o;
}
function moreRow(it,G){
  var g=S.groups[it.i],lx=8+it.d*14;
  return '<text class="more" x="'+lx+'" y="'+(it.y+13)+'">\u2026 '+num(g.n-g.drawn)+' more in this group, counted in its row above</text>';
}

// ------------------------------------------------------------ tooltip and details
var svgG=$("gantt"),tip=$("tip");
function rowByUid(uid){for(var i=0;i<S.rows.length;i++){var r=S.rows[i];if(r&&r.uid===uid)return r;}return null;}
function tipText(r){
  var out=[(r.block?"block ":"task ")+r.name+" ("+r.uid+")","state: "+PHASE[r.st]+(r.ca?" (cached)":"")];
  if(r.be)out.push("backend: "+r.be);
  if(r.lim)out.push("limits: "+r.lim.join(", ")+(r.st===1?" (waiting for a unit)":""));
  if(r.pr)out.push("priority: "+r.pr);
  out.push("created: "+fmtDur(r.c)+"   started: "+fmtDur(r.s)+"   end: "+fmtDur(r.e));
  if(r.s!=null&&r.e!=null)out.push("ran: "+fmtDur(r.e-r.s));
  if(r.c!=null&&r.s!=null)out.push("waited: "+fmtDur(r.s-r.c));
  if(r.at>1)out.push("attempts: "+r.at);
  if(r.err)out.push("error: "+r.err);
  out.push("click for details");
  return out.join("\n");
}
svgG.addEventListener("mouseover",function(ev){
  var t=ev.target;if(!(t instanceof Element)||!t.classList.contains("bar"))return;
  var r=rowByUid(t.getAttribute("data-uid"));if(!r)return;tip.textContent=tipText(r);tip.hidden=false;
});
svgG.addEventListener("mousemove",function(ev){
  if(tip.hidden)return;var x=ev.clientX+14,y=ev.clientY+14,rc=tip.getBoundingClientRect();
  if(x+rc.width>window.innerWidth)x=Math.max(0,ev.clientX-rc.width-14);
  if(y+rc.height>window.innerHeight)y=Math.max(0,ev.clientY-rc.height-14);
  tip.style.left=x+"px";tip.style.top=y+"px";
});
svgG.addEventListener("mouseout",function(ev){var t=ev.target;if(t instanceof Element&&t.classList.contains("bar"))tip.hidden=true;});
svgG.addEventListener("click",function(ev){
  var t=ev.target;if(!(t instanceof Element))return;
  if(t.classList.contains("bar")){openDetail(t.getAttribute("data-uid"));return;}
  var g=t.closest("[data-group]");
  if(g){var i=+g.getAttribute("data-group"),gr=S.groups[i];if(gr){toggled[i]=!isCollapsed(gr);layoutDirty=true;renderGantt();}}
});
$("failures").addEventListener("click",function(ev){var li=ev.target.closest("li");if(li)openDetail(li.getAttribute("data-uid"));});
$("show-deps").addEventListener("change",function(ev){showDeps=ev.target.checked;renderFailures();});
$("detail-close").addEventListener("click",closeDetail);
document.addEventListener("keydown",function(ev){if(ev.key==="Escape")closeDetail();});
function closeDetail(){$("detail").hidden=true;selected=null;renderGantt();}
function errHtml(e,depth){
  if(!e||typeof e!=="object")return "";
  var h='<div class="errbox'+(depth?" cause":"")+'">'+(depth?'<div class="note">caused by</div>':"")+
    '<div class="errname">'+esc(e.name||"Error")+'</div><div class="errmsg">'+esc(e.message||"")+'</div>';
  var extra={};Object.keys(e).forEach(function(k){if(["name","message","stack","cause"].indexOf(k)<0)extra[k]=e[k];});
  if(Object.keys(extra).length)h+='<pre>'+esc(JSON.stringify(extra,null,2))+'</pre>';
  if(e.stack)h+='<pre class="stack">'+esc(e.stack)+'</pre>';
  h+='</div>';
  if(e.cause&&depth<4)h+=errHtml(e.cause,depth+1);
  return h;
}
function openDetail(uid){
  var r=rowByUid(uid),f=S.failSeen[uid];
  if(!r&&!f)return;
  selected=uid;
  var name=r?r.name:f.name,dl=[];
  function add(k,v){if(v!=null&&v!=="")dl.push("<dt>"+esc(k)+"</dt><dd>"+esc(v)+"</dd>");}
  if(r){add("state",PHASE[r.st]+(r.ca?" (from the cache)":""));add("kind",r.block?"block":"task");
    var g=S.groups[r.g];if(g)add(g.kind==="block"?"block":"workflow",g.kind==="block"?g.label+" ("+g.id+")":g.label);
    add("backend",r.be);if(r.lim)add("limits",r.lim.join(", "));if(r.pr)add("priority",r.pr);add("created",fmtDur(r.c));add("ready",r.r!=null?fmtDur(r.r):null);add("started",r.s!=null?fmtDur(r.s):"never");
    add("ended",r.e!=null?fmtDur(r.e):null);if(r.s!=null&&r.e!=null)add("ran",fmtDur(r.e-r.s));if(r.c!=null&&r.s!=null)add("waited",fmtDur(r.s-r.c));
    add("attempts",r.at);if(r.rt)add("retries",r.rt);if(r.deps)add("depends on",r.deps.join(", "));}
  else{add("state","failed");add("workflow",f.workflowId);add("backend",f.backend);add("ended",fmtDur(f.t));add("attempts",f.attempts);}
  var err=f?errHtml(f.error,0):(r&&r.err?'<div class="errbox"><div class="errmsg">'+esc(r.err)+'</div></div>':"");
  $("detail-body").innerHTML='<h3 id="detail-title">'+esc(name)+'</h3><div class="sub">'+esc(uid)+'</div><dl>'+dl.join("")+'</dl>'+err;
  $("detail").hidden=false;tip.hidden=true;renderGantt();
}
render();
})();
`;
