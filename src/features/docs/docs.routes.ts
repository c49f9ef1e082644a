// Declarations of the API documents: openapi.json, the docs/ page and its assets (contract §2.8).
import * as z from "zod/mini";
import { declare } from "../../http/endpoint";
import { detail, html, json } from "../../http/responses";

const enabled = (config: { openApiEnabled: boolean }) => config.openApiEnabled;
const tags = ["docs"];

export const apiIndex = declare({
  operationId: "apiIndex",
  method: "GET",
  path: "",
  auth: "public",
  summary: "What this is and where its reference lives",
  description: "Links to the interactive reference and the OpenAPI document (null when OPENAPI_ENABLED=false).",
  tags,
  responses: {
    200: json("The index", () => z.object({ name: z.string(), docs: z.nullable(z.string()), openapi: z.nullable(z.string()) })),
  },
});

export const openApiDocument = declare({
  operationId: "openApiDocument",
  method: "GET",
  path: "/openapi.json",
  legacyPaths: ["/spectacular"],
  auth: "public",
  enabled,
  summary: "The OpenAPI 3.1 document of this API",
  description: "Generated from the same declarations and schemas that route and validate requests. Off with `OPENAPI_ENABLED=false`.",
  tags,
  responses: { 200: json("OpenAPI 3.1 document", () => z.record(z.string(), z.unknown())) },
});

export const docsPage = declare({
  operationId: "docsPage",
  method: "GET",
  path: "/docs",
  auth: "public",
  enabled,
  summary: "Interactive API reference (Swagger UI)",
  description: "Renders openapi.json; \"Try it out\" calls this API. Its assets are served from this Worker, never a CDN.",
  tags,
  responses: { 200: html("The reference page"), 404: detail("No static assets are bound (ASSETS)") },
});

export const docsAsset = declare({
  operationId: "docsAsset",
  method: "GET",
  path: "/docs/:file",
  auth: "public",
  enabled,
  summary: "A file of the reference page (Swagger UI's script and stylesheet)",
  tags,
  responses: { 200: { description: "The file" }, 404: detail("Not one of the page's files") },
});
