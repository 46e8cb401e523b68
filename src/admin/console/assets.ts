/**
 * The console's only static files, served from the Worker (no build step, no inline script or
 * style, so the Content-Security-Policy can forbid both).
 */

/** The copy buttons' script: the one piece of the console that needs a script at all. */
export const CONSOLE_JS = `'use strict';
document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('button[data-copy]');
  if (!button) return;
  var source = document.getElementById(button.getAttribute('data-copy'));
  if (!source) return;
  var text = source.value !== undefined ? source.value : source.textContent;
  var status = document.getElementById(button.getAttribute('data-copy') + '-status');
  function done(message) { if (status) status.textContent = message; }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () { done('Copied.'); }, function () { source.select && source.select(); done('Press Ctrl+C to copy.'); });
  } else {
    if (source.select) source.select();
    done('Press Ctrl+C to copy.');
  }
});
document.querySelectorAll('button[data-copy]').forEach(function (b) { b.hidden = false; });
`;

/** The console's style sheet: plain, legible, one column below 40 em so it works at 360 px. */
export const CONSOLE_CSS = `:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --accent: #0b57d0; --danger: #b3261e; --ok: #1a7f37; --soft: #f6f8fa; }
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 2; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); border-bottom: 3px solid var(--accent); }
header.top form { margin-left: auto; }
.who { color: var(--muted); font-size: .875rem; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
td code, td a { overflow-wrap: anywhere; }
/* Key ids and secrets are 43 characters without a break: they must not widen a 360 px page. */
p, .notice, dd, h1 { overflow-wrap: anywhere; }
th { font-size: .875rem; color: var(--muted); }
.table-wrap { overflow-x: auto; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
.hint { display: block; font-weight: 400; color: var(--muted); font-size: .875rem; }
input[type=text], input[type=search], input[type=password], input[type=number], input[type=date], input[type=url], select, textarea { width: 100%; max-width: 32rem; padding: .45rem .5rem; font: inherit; border: 1px solid #8c959f; border-radius: 4px; background: #fff; }
textarea { max-width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .875rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .75rem 0; padding: .5rem .75rem; max-width: 32rem; }
fieldset label { display: flex; gap: .5rem; align-items: center; font-weight: 400; margin: .25rem 0; }
legend { font-weight: 600; }
button, .button { display: inline-block; font: inherit; padding: .45rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; margin: .5rem .5rem 0 0; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger, .button.danger { background: var(--danger); border-color: var(--danger); }
.inline { display: inline; }
.inline button { margin-top: 0; padding: .2rem .6rem; font-size: .875rem; }
.notice { padding: .75rem 1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--soft); margin: 1rem 0; }
.notice.error { border-color: var(--danger); background: #fdecea; }
.notice.ok { border-color: var(--ok); background: #eaf6ec; }
.secret { display: block; width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; padding: .5rem; border: 1px dashed var(--fg); background: #fff; overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: 999px; border: 1px solid currentColor; }
.badge.on { color: var(--ok); } .badge.off { color: var(--danger); }
.searchbar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.searchbar label { margin: 0; }
.timeline-wrap { overflow-x: auto; }
.timeline { width: 100%; min-width: 720px; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; font-size: .875rem; }
.swatch { display: inline-block; width: 1rem; height: .75rem; margin-right: .35rem; vertical-align: middle; border: 1px solid #444; }
.swatch.published { background: #9ecbff; } .swatch.signing { background: #1a7f37; } .swatch.retired { background: #c9c9c9; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; font-size: .875rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 40em) { header.top form { margin-left: 0; } dl.facts { grid-template-columns: 1fr; } th.opt, td.opt { display: none; } }
`;
