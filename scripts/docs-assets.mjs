// Copies the Swagger UI files the docs/ page loads from node_modules into public/docs/, the Workers
// static-assets directory (wrangler.toml [assets]); run by npm start, npm test and npm run deploy.
// They are served by the Worker under AUTH_PREFIX + "docs/", never from a third-party CDN.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const target = path.join(import.meta.dirname, "..", "public", "docs");
mkdirSync(target, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-bundle.js.LICENSE.txt", "LICENSE"]) {
  copyFileSync(path.join(root, file), path.join(target, file));
}
