// Handlers of the API documents: the generated OpenAPI document, the Swagger UI page and its files.
import type { EndpointHandler } from "../../http/endpoint";
import { notFound } from "../../http/errors";
import { openApiJson } from "../../http/openapi";
import { html, renderPage } from "../../http/pages";
import type * as routes from "./docs.routes";

/** The files scripts/docs-assets.mjs copies into the static assets; nothing else is served. */
const ASSET_FILES = new Set(["swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-bundle.js.LICENSE.txt", "LICENSE"]);

export const apiIndex: EndpointHandler<typeof routes.apiIndex> = (c) => {
  const { config } = c.var.deps;
  const prefix = `${config.publicBaseUrl}${config.authPrefix}`;
  return c.json(
    {
      name: "edge-rest-auth",
      docs: config.openApiEnabled ? `${prefix}docs/` : null,
      openapi: config.openApiEnabled ? `${prefix}openapi.json` : null,
    },
    200,
  );
};

export const openApiDocument: EndpointHandler<typeof routes.openApiDocument> = (c) => {
  const { api } = c.var;
  return c.body(openApiJson(c.var.deps.config, api.endpoints, api.mount), 200, { "Content-Type": "application/json; charset=utf-8" });
};

export const docsPage: EndpointHandler<typeof routes.docsPage> = (c) => {
  if (!c.env.ASSETS) throw notFound();
  const { prefix } = c.var.api.mount;
  return renderPage(c, 200, "API reference", html`<div id="swagger-ui"></div>`, {
    script: `window.ui=SwaggerUIBundle({url:${JSON.stringify(`${prefix}openapi.json`)},dom_id:"#swagger-ui",deepLinking:true});`,
    scripts: [`${prefix}docs/swagger-ui-bundle.js`],
    stylesheets: [`${prefix}docs/swagger-ui.css`],
    bare: true,
  });
};

export const docsAsset: EndpointHandler<typeof routes.docsAsset> = async (c) => {
  const file = c.req.param("file") ?? "";
  if (!c.env.ASSETS || !ASSET_FILES.has(file)) throw notFound();
  const asset = await c.env.ASSETS.fetch(new Request(new URL(`/docs/${file}`, c.req.url)));
  if (!asset.ok) throw notFound();
  const headers = new Headers(asset.headers);
  // Versioned with the package; a day of caching keeps the page fast without pinning old files for long.
  headers.set("Cache-Control", "public, max-age=86400");
  headers.set("X-Content-Type-Options", "nosniff");
  return new Response(asset.body, { status: 200, headers });
};
