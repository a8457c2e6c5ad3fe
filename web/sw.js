// Offline use: the page, the wasm builds, the default model and its word lists are cached on the first
// visit; later visits are served from the cache first (and the cache refreshed from the
// network when it answers), so the page keeps working without a connection.
const CACHE = 'quill-v4';
const FILES = [
  './', 'index.html', 'style.css', 'app.js', 'quill.js', 'verify-worker.js',
  'pkg/quill.wasm', 'pkg/quill-simd.wasm', 'pkg/quill-relaxed.wasm', 'pkg/english-gru-1x256-int8.quill',
  'pkg/english.qlex', 'pkg/blocked-en.qlex',
];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  if (e.request.method !== 'GET') return;
  e.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(e.request);
      const fresh = fetch(e.request)
        .then((r) => {
          if (r.ok) cache.put(e.request, r.clone());
          return r;
        })
        .catch(() => cached);
      return cached ?? fresh;
    }),
  );
});
