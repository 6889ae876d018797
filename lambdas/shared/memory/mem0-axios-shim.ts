/**
 * Bundled in place of axios (the `--alias` in lib/memory-function.ts). mem0ai's MemoryClient
 * creates an axios instance in its constructor and sends every request with global fetch; the
 * instance is never used. Shipping axios would cost ~260 KB (axios, form-data, mime-db, proxy
 * agents) and their load time on every cold start. Should a future mem0ai send a request
 * through the instance, it fails loudly here rather than silently doing nothing.
 */
function notBundled(): never {
  throw new Error('axios is not bundled with AgenticMemory: mem0ai was expected to use fetch only');
}

const instance = {
  request: notBundled,
  get: notBundled,
  post: notBundled,
  put: notBundled,
  patch: notBundled,
  delete: notBundled,
  head: notBundled,
  options: notBundled,
};

export default { create: () => instance };
