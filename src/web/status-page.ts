/**
 * The operator's status page (first cut): one self-contained HTML document that polls
 * `/api/status` every 2 s and renders identity, clock, links, peers, drops, and one
 * section per gateway module (`modules`), rendered generically: scalars as rows, arrays of
 * objects as tables, nested objects as nested tables (depth-limited).
 * No external assets (the appliance may have no internet).
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>meshgate status</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;font-size:.9rem}
th{background:#f0f0f0}.ok{color:#17803d}.bad{color:#b42318}code{font-size:.85rem}#err{color:#b42318}
</style></head>
<body>
<h1>meshgate <span id="ver"></span></h1>
<div id="err"></div>
<table><tbody id="summary"></tbody></table>
<h2>Links</h2><table><thead><tr><th>link</th><th>kind</th><th>remote</th><th>frames in/out</th><th>bytes in/out</th><th>drops</th></tr></thead><tbody id="links"></tbody></table>
<h2>Peers</h2><table><thead><tr><th>peer ID</th><th>nickname</th><th>last seen</th><th>link</th><th>hops</th></tr></thead><tbody id="peers"></tbody></table>
<h2>Drops by error code</h2><table><thead><tr><th>code</th><th>count</th></tr></thead><tbody id="drops"></tbody></table>
<div id="modules"></div>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const row = (cells) => '<tr>' + cells.map((c) => '<td>' + c + '</td>').join('') + '</tr>';
const ago = (t) => t ? Math.round((Date.now() - t) / 1000) + ' s ago' : '';
const scalar = (v) => v === null || typeof v !== 'object';
function render(v, depth) {
  if (scalar(v)) return esc(v);
  if (depth > 3) return '<code>' + esc(JSON.stringify(v)) + '</code>';
  if (Array.isArray(v)) {
    if (v.length === 0) return '<i>none</i>';
    if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const cols = [...new Set(v.flatMap((x) => Object.keys(x)))].slice(0, 12);
      return '<table><thead><tr>' + cols.map((c) => '<th>' + esc(c) + '</th>').join('') + '</tr></thead><tbody>' +
        v.slice(0, 200).map((x) => row(cols.map((c) => render(x[c], depth + 1)))).join('') + '</tbody></table>';
    }
    return v.slice(0, 200).map((x) => render(x, depth + 1)).join(', ');
  }
  return '<table><tbody>' + Object.entries(v).map(([k, x]) => row([esc(k), render(x, depth + 1)])).join('') + '</tbody></table>';
}
// dedicated renderers for modules whose generic rendering is unreadable
const lvl = (h) => h ? '<span class="' + (h.level === 'ok' ? 'ok' : 'bad') + '">' + h.score + ' ' + esc(h.level) + '</span>' : '';
const st = (x) => '<span class="' + (x === 'alive' ? 'ok' : 'bad') + '">' + esc(x) + '</span>';
const RENDERERS = {
  detection(d) {
    const members = [...d.gateways, ...d.links, ...d.phones].map((m) => row([esc(m.kind), '<code>' + esc(m.id) + '</code>', st(m.state), m.phi, m.meanIntervalMs + ' ± ' + m.stdDeviationMs, m.rttMs ?? '', m.incarnation, ago(m.lastHeartbeat), m.suspicionRemainingMs ?? ''])).join('');
    const health = (d.health.links || []).map((h) => row(['<code>' + esc(h.linkId) + '</code>', lvl(h), esc(Object.entries(h.factors).map(([k, v]) => k + ' ' + v).join(', '))])).join('');
    const routes = d.routes.map((r) => row(['<code>' + esc(r.destination) + '</code>', '<code>' + esc(r.linkId ?? 'withdrawn') + '</code>', r.cost === null ? '' : Math.round(r.cost), r.changes, ago(r.changedAt)])).join('');
    const events = d.events.slice(0, 20).map((e) => row([ago(e.at), esc(e.type), esc(Object.entries(e).filter(([k]) => k !== 'type' && k !== 'at').map(([k, v]) => k + '=' + (Array.isArray(v) ? v.join('/') : v)).join(' '))])).join('');
    return '<table><tbody>' +
      row(['gateway health', lvl(d.health.gateway) + ' (' + esc(Object.entries(d.health.gateway?.factors || {}).map(([k, v]) => k + ' ' + v).join(', ')) + ')']) +
      row(['self', '<code>' + esc(d.self.peerId) + '</code> incarnation ' + d.self.incarnation + ', awareness ' + d.awareness.score + '/' + (d.awareness.max - 1)]) +
      row(['partition', d.partition.partitioned ? '<span class="bad">partitioned: ' + esc(d.partition.unreachable.join(', ')) + '</span>' : '<span class="ok">none</span> (' + d.partition.knownGateways + ' gateways known)']) +
      row(['failover', 'resent ' + d.failover.resent + ', diverted ' + d.failover.diverted + ', held ' + d.failover.held + ', no route ' + d.failover.noRoute]) +
      row(['thresholds', esc(Object.entries(d.thresholds).map(([k, v]) => k + ' ' + v).join(', '))]) +
      '</tbody></table>' +
      '<h3>Monitored</h3><table><thead><tr><th>kind</th><th>id</th><th>state</th><th>phi</th><th>interval ms</th><th>RTT ms</th><th>inc.</th><th>last heartbeat</th><th>suspicion left ms</th></tr></thead><tbody>' + members + '</tbody></table>' +
      '<h3>Link health</h3><table><thead><tr><th>link</th><th>score</th><th>factors</th></tr></thead><tbody>' + health + '</tbody></table>' +
      '<h3>Routes (hold-down)</h3><table><thead><tr><th>destination gateway</th><th>first hop</th><th>cost</th><th>changes</th><th>changed</th></tr></thead><tbody>' + routes + '</tbody></table>' +
      '<h3>Recent events</h3><table><thead><tr><th>when</th><th>event</th><th>detail</th></tr></thead><tbody>' + events + '</tbody></table>';
  },
};
const fmtDrops = (d) => Object.entries(d || {}).map(([k, v]) => esc(k) + ': ' + v).join('<br>');
async function refresh() {
  try {
    const r = await fetch('/api/status');
    const s = await r.json();
    document.getElementById('err').textContent = '';
    document.getElementById('ver').textContent = 'v' + s.version;
    const clock = s.clock.synchronized ? '<span class="ok">synchronised</span>' : '<span class="bad">not synchronised</span>';
    document.getElementById('summary').innerHTML =
      row(['peer ID', '<code>' + esc(s.peerId) + '</code>']) + row(['nickname', esc(s.nickname)]) +
      row(['uptime', Math.round(s.uptimeMs / 1000) + ' s']) + row(['clock', clock + ' (' + esc(s.clock.source) + ': ' + esc(s.clock.detail) + ')']) +
      row(['relay', 'received ' + s.relay.received + ', relayed ' + s.relay.relayed + ', duplicates ' + s.relay.duplicates]) +
      row(['listening', esc(JSON.stringify(s.listen))]);
    document.getElementById('links').innerHTML = s.links.map((l) => row([esc(l.id), esc(l.kind) + (l.isGatewayLink ? ' (gateway ' + esc(l.remotePeerId) + ')' : ''), esc(l.remoteAddress), l.framesIn + ' / ' + l.framesOut, l.bytesIn + ' / ' + l.bytesOut, fmtDrops(l.drops)])).join('');
    document.getElementById('peers').innerHTML = s.peers.map((p) => row(['<code>' + esc(p.peerId) + '</code>', esc(p.nickname), ago(p.lastSeen), esc(p.directLinkId || p.viaLinkId), p.hops])).join('');
    document.getElementById('drops').innerHTML = Object.entries(s.drops).map(([k, v]) => row([esc(k), v])).join('');
    document.getElementById('modules').innerHTML = Object.entries(s.modules || {}).map(([name, m]) => '<h2>' + esc(name) + '</h2>' + (RENDERERS[name] || ((x) => render(x, 0)))(m)).join('');
  } catch (e) { document.getElementById('err').textContent = 'status unavailable: ' + e; }
}
refresh(); setInterval(refresh, 2000);
</script>
</body></html>
`;
