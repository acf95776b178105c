import { defineConfig } from 'vite';

// The app and the demo planroom page, served under /ui/ (dev server, S3/CloudFront). The planroom
// page is served for every path under /ui/planroom/, so asset URLs are absolute from /ui/.
export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: {
        index: 'index.html',
        planroom: 'planroom.html',
      },
      // What both pages use (lit-html, styles, config) in one chunk named for what it is.
      output: { codeSplitting: { groups: [{ name: 'shared', minShareCount: 2 }] } },
    },
  },
  // `npm run dev`: the app with hot reload on :5173, its config.json (sign-in tokens) from the dev
  // server on :3000. The demo planroom page is built only (the dev server serves it by path).
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/ui/config.json': 'http://127.0.0.1:3000' },
  },
});
