import { fileURLToPath, URL } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// Built into web/dist/console and served by the platform's entry point at /console/.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  plugins: [vue()],
  resolve: { alias: { "@shared": fileURLToPath(new URL("../shared", import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL("../dist/console", import.meta.url)), emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/channel": "http://127.0.0.1:8085" } },
});
