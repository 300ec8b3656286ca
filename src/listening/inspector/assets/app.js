// Placeholder: the inspector page (issue 16, ui16page) replaces this file.
const list = document.getElementById('requests');
function row(e) {
  const li = document.createElement('li');
  li.textContent = `#${e.id} ${e.method} ${e.path} ${e.signature} ${e.status ?? ''} ${e.summary}`;
  return li;
}
async function load() {
  const r = await fetch('/api/requests');
  const d = await r.json();
  list.replaceChildren(...d.requests.map(row));
}
load();
const es = new EventSource('/api/events');
es.addEventListener('request', (ev) => list.prepend(row(JSON.parse(ev.data))));
es.addEventListener('resync', load);
