
let at = -1;
function go(step) {
  const flags = Array.from(document.querySelectorAll('.flag'));
  if (!flags.length) return;
  at = (at + step + flags.length) % flags.length;
  const flag = flags[at];
  const details = flag.closest('details');
  if (details) details.open = true;
  flag.focus();
  flag.scrollIntoView({block: 'center'});
}
document.addEventListener('keydown', (e) => {
  if (e.target.closest && e.target.closest('input, textarea')) return;
  if (e.key === 'n') go(1);
  if (e.key === 'N') go(-1);
});
const ON = 'mark.mp-data{background:#fff3a0;outline:1px solid #e0b000}';
const OFF = 'mark.mp-data{background:none;outline:none;color:inherit}';
// An email's document is made when it comes near the screen: a large
// sheet holds thousands, and a browser cannot keep them all open.
const highlight = document.getElementById('highlight');
const styled = (html) => highlight.checked ? html : html.replace(ON, OFF);
// The frame is sandboxed with no permission at all: the email's scripts
// never run, and it has no access to this page.
const near = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    const slot = e.target;
    near.unobserve(slot);
    const frame = document.createElement('iframe');
    frame.className = 'email';
    frame.setAttribute('sandbox', '');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.title = slot.title;
    frame.dataset.srcdoc = slot.dataset.srcdoc;
    frame.srcdoc = styled(slot.dataset.srcdoc);
    slot.replaceWith(frame);
  }
}, { rootMargin: '1500px' });
const watchFrames = (root) => root.querySelectorAll('.slot').forEach((f) => near.observe(f));
watchFrames(document);
highlight.addEventListener('change', () => {
  for (const frame of document.querySelectorAll('iframe.email[srcdoc]')) {
    frame.srcdoc = styled(frame.dataset.srcdoc);
  }
  document.body.classList.toggle('no-highlight', !highlight.checked);
});
document.getElementById('phone').addEventListener('change', (e) => {
  document.body.classList.toggle('phone', e.target.checked);
});
// Large campaigns come packed (gzip, base64): unpacked here, in order.
async function unpack(packed) {
  const bytes = Uint8Array.from(atob(packed.dataset.z), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  const html = await new Response(stream).text();
  const section = packed.parentElement;
  packed.insertAdjacentHTML('afterend', html);
  packed.remove();
  watchFrames(section);
}
// A few are unpacked at once; many (a large project), as they come near
// the screen, so the browser holds only what is read.
const packs = Array.from(document.querySelectorAll('.packed'));
let left = packs.length;
const done = () => { if (--left === 0) document.body.dataset.unpacked = 'yes'; };
if (!packs.length) document.body.dataset.unpacked = 'yes';
if (packs.length <= 20) {
  (async () => { for (const p of packs) { await unpack(p); done(); } })();
} else {
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) { seen.unobserve(e.target); unpack(e.target).then(done); }
    }
  }, { rootMargin: '3000px' });
  packs.forEach((p) => seen.observe(p));
}
