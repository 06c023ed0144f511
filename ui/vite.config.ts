import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tauri serves the built files itself; nothing is fetched from elsewhere at run time.
  clearScreen: false,
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    // Inline nothing as data: URLs so the CSP can stay strict.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: 'happy-dom',
  },
});
