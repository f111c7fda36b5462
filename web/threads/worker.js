// The shared-memory thread engine's module worker. The page posts
//   {type: 'init', threads}            → {type: 'ready', threads, shared}
//   {type: 'primes', numbers: [string]} → {type: 'primes', report: <JSON string>}
// and gets {type: 'error', message} when something fails. rayon blocks this worker, never
// the page.
import init, { initThreadPool, check_primes, memory_is_shared } from './interleave_threads.js';

let ready = null;

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    if (msg.type === 'init') {
      if (!ready) {
        ready = (async () => {
          await init();
          await initThreadPool(msg.threads);
        })();
      }
      await ready;
      self.postMessage({ type: 'ready', threads: msg.threads, shared: memory_is_shared() });
    } else if (msg.type === 'primes') {
      await ready;
      const report = check_primes(msg.numbers);
      self.postMessage({ type: 'primes', report });
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
};
