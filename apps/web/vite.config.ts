/// <reference types="node" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
// Where `vite dev` forwards API calls; the server serves the built app itself in production.
const api = process.env.YIWANG_API ?? 'http://127.0.0.1:3000';

export default defineConfig(({ command }) => ({
  root,
  base: '/',
  publicDir: 'public',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // antd alone is ~1 MB minified before gzip; it lives in its own long-cached chunk.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/, priority: 30 },
            { name: 'antd', test: /node_modules[\\/](antd|@ant-design|@rc-component|rc-[a-z-]+|@emotion|dayjs|stylis|compute-scroll-into-view|scroll-into-view-if-needed|throttle-debounce|json2mq|resize-observer-polyfill|clsx|classnames)[\\/]/, priority: 20 },
            { name: 'i18n', test: /node_modules[\\/](i18next|react-i18next|html-parse-stringify|void-elements)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/idp': { target: api, changeOrigin: false },
      '/readyz': { target: api },
      '/healthz': { target: api },
      '/docs': { target: api },
    },
  },
  preview: { port: 4173 },
  // A build is always a production build, even when NODE_ENV=test leaks in (vitest sets it):
  // otherwise React and antd ship their slow development code.
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
}));
