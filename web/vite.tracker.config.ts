import { defineConfig } from 'vite';

// dist/tracker.js: the tracking snippet as one standalone ES module, for planroom pages to import
// (`import {startTracking} from '/ui/tracker.js'`). Runs after the app build, into the same dist/.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    copyPublicDir: false,
    lib: {
      entry: 'src/tracker.ts',
      formats: ['es'],
      fileName: () => 'tracker.js',
    },
  },
});
