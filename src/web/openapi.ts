import { organisationKinds, roles, tokenScopes } from '../accounts/index.ts';
import { errorCatalogue } from '../errors.ts';
import { categoryIds, productCsvColumns } from '../registry/index.ts';

// The API's contract, written by hand so that it says what we promise rather than whatever the
// code happens to do; the tests check that every /api/ route of the server is described here.
// Error codes, roles, scopes and categories come from their catalogues, so they cannot drift.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): JsonObject => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string): JsonObject => ({ $ref: `#/components/parameters/${name}` });

const publicHeaders: JsonObject = {
  ETag: { $ref: '#/components/headers/ETag' },
  'Cache-Control': { $ref: '#/components/headers/CacheControl' },
  'Access-Control-Allow-Origin': { $ref: '#/components/headers/AccessControlAllowOrigin' },
};

function publicGet(summary: string, description: string, parameters: JsonObject[], content: JsonObject, errors: string[]): JsonObject {
  return {
    tags: ['Public'],
    summary,
    description,
    security: [],
    parameters: [...parameters, parameter('IfNoneMatch')],
    responses: {
      '200': { description: 'OK', headers: publicHeaders, content },
      '304': { description: 'Not modified: the ETag sent in If-None-Match is still current.', headers: publicHeaders },
      ...Object.fromEntries(errors.map((e) => [e.slice(0, 3), response(e)])),
    },
  };
}

const preflight: JsonObject = {
  tags: ['Public'],
  summary: 'CORS preflight',
  description: 'Any origin may read the public API; this answers browsers that ask first.',
  security: [],
  responses: {
    '204': {
      description: 'Allowed: GET, HEAD and OPTIONS from any origin.',
      headers: {
        'Access-Control-Allow-Origin': { $ref: '#/components/headers/AccessControlAllowOrigin' },
        'Access-Control-Allow-Methods': { schema: { type: 'string', const: 'GET, HEAD, OPTIONS' } },
      },
    },
  },
};

interface PrivateOperation {
  summary: string;
  permission: string;
  ok: JsonObject;
  status?: '200' | '201';
  parameters?: JsonObject[];
  body?: JsonObject;
  errors?: string[];
  description?: string;
}

function privateOperation(o: PrivateOperation): JsonObject {
  const errors = ['401Unauthenticated', '403Forbidden', ...(o.errors ?? [])];
  return {
    tags: ['Organisation'],
    summary: o.summary,
    description: `${o.description ? `${o.description} ` : ''}Needs the permission \`${o.permission}\`: a role that has it, or an API token with that scope. Always about the caller's own organisation.`,
    security: [{ bearerToken: [] }],
    ...(o.parameters ? { parameters: o.parameters } : {}),
    ...(o.body ? { requestBody: o.body } : {}),
    responses: {
      [o.status ?? '200']: { description: o.status === '201' ? 'Created' : 'OK', content: o.ok },
      ...Object.fromEntries(errors.map((e) => [e.slice(0, 3), response(e)])),
    },
  };
}

const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });

const problemCodes = Object.keys(errorCatalogue);

const textList = (description: string, item: JsonObject = { type: 'string' }): JsonObject => ({
  description: `${description} An array, or one string separated by commas, semicolons or new lines.`,
  oneOf: [{ type: 'array', items: item }, { type: 'string' }],
});

const productBody: JsonObject = {
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['brand', 'name', 'modelNumber', 'category'],
        properties: {
          brand: { type: 'string', maxLength: 100 },
          name: { type: 'string', maxLength: 200 },
          modelNumber: { type: 'string', maxLength: 100, description: 'Unique within your organisation.' },
          category: { type: 'string', enum: categoryIds },
          gtins: textList('GTIN-8, -12, -13 or -14, at most 50; each identifies one product only.'),
          markets: textList('Two-letter market codes such as GB, DE or EU.'),
          hardwareRevisions: textList('At most 50.'),
          firmwareVersions: textList('At most 200.'),
        },
      },
    },
    'application/x-www-form-urlencoded': { schema: { type: 'object' } },
  },
};

const schemas: JsonObject = {
  Problem: {
    type: 'object',
    description: 'An RFC 9457 problem document. `code` is stable: program against it, not against `detail`.',
    required: ['type', 'title', 'status', 'code', 'detail'],
    properties: {
      type: { type: 'string', format: 'uri', examples: ['https://connectable.dev/errors/CONNECTABLE_ERR_NOT_FOUND'] },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { type: 'string', enum: problemCodes },
      detail: { type: 'string', description: 'What went wrong and what to do, for a person.' },
      fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'Per-field messages for invalid input.' },
      lawId: { type: 'string', description: 'The rule the error is about, e.g. psti.s1.3.4.' },
    },
  },
  Maker: {
    type: 'object',
    required: ['name', 'slug', 'securityContactUrl'],
    properties: {
      name: { type: 'string' },
      slug: { type: 'string', description: 'The maker in URLs of this platform.', examples: ['acme-widgets'] },
      securityContactUrl: { type: ['string', 'null'], format: 'uri', description: 'Where to report a vulnerability (PSTI Schedule 1 §2).' },
    },
  },
  SupportPeriod: {
    type: 'object',
    required: ['endDate', 'atLeast', 'status', 'publishedAt', 'statement'],
    properties: {
      endDate: { type: 'string', format: 'date', description: 'The last day security updates are promised (PSTI Schedule 1 §3).', examples: ['2030-03-31'] },
      atLeast: { type: 'boolean', description: 'True when the maker promises updates "at least" until the end date.' },
      status: { type: 'string', enum: ['active', 'ended'], description: 'Ended once the end date (UTC) has passed.' },
      publishedAt: { type: 'string', format: 'date-time', description: 'When the maker first published the period.' },
      statement: { type: 'string', description: 'The sentence a buyer reads, in English.', examples: ['This device will receive security updates until 31 March 2030.'] },
    },
  },
  PublicProduct: {
    type: 'object',
    description: 'A product whose support period the maker has published.',
    required: ['maker', 'brand', 'name', 'modelNumber', 'category', 'categoryLabel', 'excepted', 'gtins', 'supportPeriod', 'productUrl'],
    properties: {
      maker: ref('Maker'),
      brand: { type: 'string' },
      name: { type: 'string' },
      modelNumber: { type: 'string' },
      category: { type: 'string', enum: categoryIds },
      categoryLabel: { type: 'string' },
      excepted: { type: ['string', 'null'], description: 'Why the PSTI regime does not apply to this category (Schedule 3), or null when it applies.' },
      gtins: { type: 'array', items: { type: 'string', pattern: '^\\d{14}$' }, description: 'GTIN-14s, zero-padded.' },
      supportPeriod: ref('SupportPeriod'),
      productUrl: { type: 'string', format: 'uri', description: 'The public product page.' },
    },
  },
  PublicProductList: {
    type: 'object',
    required: ['maker', 'products'],
    properties: { maker: ref('Maker'), products: { type: 'array', items: ref('PublicProduct') } },
  },
  PublicExport: {
    type: 'object',
    required: ['products'],
    properties: { products: { type: 'array', items: ref('PublicProduct') } },
  },
  Organisation: {
    type: 'object',
    required: ['id', 'slug', 'name', 'kind'],
    properties: { id: { type: 'string', format: 'uuid' }, slug: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string', enum: [...organisationKinds] } },
  },
  Product: {
    type: 'object',
    required: ['id', 'slug', 'brand', 'name', 'modelNumber', 'category', 'markets', 'hardwareRevisions', 'firmwareVersions', 'gtins', 'supportPeriod'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      slug: { type: 'string' },
      brand: { type: 'string' },
      name: { type: 'string' },
      modelNumber: { type: 'string' },
      category: { type: 'string', enum: categoryIds },
      markets: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
      hardwareRevisions: { type: 'array', items: { type: 'string' } },
      firmwareVersions: { type: 'array', items: { type: 'string' } },
      gtins: { type: 'array', items: { type: 'string', pattern: '^\\d{14}$' } },
      supportPeriod: { oneOf: [ref('SupportPeriodDraft'), { type: 'null' }], description: 'Null until a period is saved.' },
    },
  },
  SupportPeriodDraft: {
    type: 'object',
    required: ['endDate', 'atLeast', 'publishedAt'],
    properties: {
      endDate: { type: 'string', format: 'date' },
      atLeast: { type: 'boolean' },
      publishedAt: { type: ['string', 'null'], format: 'date-time', description: 'Null while a draft, which nobody outside your organisation sees.' },
    },
  },
  SupportPeriodEvent: {
    type: 'object',
    required: ['event', 'endDate', 'previousEndDate', 'atLeast', 'at'],
    properties: {
      event: { type: 'string', enum: ['published', 'extended', 'wording_changed'] },
      endDate: { type: 'string', format: 'date' },
      previousEndDate: { type: ['string', 'null'], format: 'date' },
      atLeast: { type: 'boolean' },
      at: { type: 'string', format: 'date-time' },
    },
  },
  ImportLine: {
    type: 'object',
    required: ['line', 'modelNumber', 'outcome', 'message'],
    properties: {
      line: { type: 'integer' },
      modelNumber: { type: 'string' },
      outcome: { type: 'string', enum: ['created', 'updated', 'rejected'] },
      message: { type: 'string' },
    },
  },
  Member: {
    type: 'object',
    required: ['id', 'email', 'displayName', 'role', 'totpEnabled'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      email: { type: 'string', format: 'email' },
      displayName: { type: 'string' },
      role: { type: 'string', enum: [...roles] },
      totpEnabled: { type: 'boolean' },
    },
  },
  AuditEvent: {
    type: 'object',
    required: ['id', 'at', 'actor', 'action', 'target', 'ip', 'details'],
    properties: {
      id: { type: 'integer', description: 'Increasing; pass the last one seen as `before` for the next page.' },
      at: { type: 'string', format: 'date-time' },
      actor: { type: 'string', description: 'An e-mail, token:<name>, system or anonymous.' },
      action: { type: 'string', examples: ['support_period.published'] },
      target: { type: ['string', 'null'] },
      ip: { type: ['string', 'null'] },
      details: { type: 'object' },
    },
  },
};

const problem = (description: string, code: keyof typeof errorCatalogue): JsonObject => ({
  description,
  content: {
    'application/problem+json': {
      schema: ref('Problem'),
      example: { type: `https://connectable.dev/errors/${code}`, title: errorCatalogue[code].title, status: errorCatalogue[code].status, code, detail: description },
    },
  },
});

const productContent = { 'application/json': { schema: ref('PublicProduct') } };

/** The OpenAPI 3.1 document of every /api/ route, with this platform's address as the server. */
export function openApiDocument(publicUrl: string): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Connectable API',
      version: '1',
      description:
        'The public API reads published support periods (PSTI Schedule 1 §3) without an account, from any origin; responses are cacheable for 5 minutes and carry a strong ETag. The organisation API needs `Authorization: Bearer <token>` (create tokens under Console → API tokens) and always acts on the token\'s own organisation. Errors are RFC 9457 problem documents with a stable `code`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: publicUrl }],
    tags: [
      { name: 'Public', description: 'Published products, for retailers, aggregators and regulators. No account needed.' },
      { name: 'Organisation', description: 'The caller\'s own organisation, with an API token.' },
    ],
    paths: {
      '/api/v1/public/products/{gtin}': {
        get: publicGet(
          'A product by GTIN',
          'GTIN-8, -12, -13 or -14; spaces and dashes are ignored. A wrong check digit is a 400 whose detail names the expected digit.',
          [parameter('gtin')],
          productContent,
          ['400InvalidInput', '404NotFound'],
        ),
        options: preflight,
      },
      '/api/v1/public/makers/{makerSlug}/products': {
        get: publicGet(
          "A maker's public products",
          'Every product of the maker with a published support period, by brand, name and model number. A maker with none published is a 404.',
          [parameter('makerSlug')],
          { 'application/json': { schema: ref('PublicProductList') } },
          ['404NotFound'],
        ),
        options: preflight,
      },
      '/api/v1/public/proof-of-work': {
        get: {
          tags: ['Public'],
          summary: 'A proof-of-work challenge for one report',
          description:
            'ALTCHA format (v2, SHA-256): find the smallest big-endian uint32 counter such that SHA-256(salt ‖ nonce ‖ counter) starts with keyPrefix, then send {"challenge", "solution": {"counter", "derivedKey"}} as the report’s proofOfWork. ' +
            'Each solution is accepted once and expires after 20 minutes. {"required": false} when the installation turned it off.',
          security: [],
          responses: {
            '200': { description: 'A challenge.', content: json({ type: 'object', required: ['required'], properties: { required: { type: 'boolean' }, challenge: { type: 'object' }, instructions: { type: 'string' } } }) },
            '429': response('429TooManyRequests'),
          },
        },
      },
      '/api/v1/public/makers/{makerSlug}/reports': {
        post: {
          tags: ['Public'],
          summary: 'Report a vulnerability to a maker',
          description:
            'No account or token needed. Fields: productId (a product of the maker) or productText, version, title, description, steps (required), impact, reporterEmail (optional), reporterName, aiUse (none | assisted | generated), ' +
            'proofOfWork (a solved challenge from GET /api/v1/public/proof-of-work), attachments (optional: [{fileName, contentBase64}], at most 5 files of 10 MiB; executables, HTML and SVG are refused), ' +
            'encrypted (true when description is an armored OpenPGP message to the maker’s key). ' +
            'The answer carries the reference and a private tracking URL; keep it secret. At most 5 reports per address in 10 minutes.',
          security: [],
          parameters: [parameter('makerSlug')],
          requestBody: { required: true, content: json({ type: 'object', required: ['title', 'description', 'steps', 'aiUse', 'proofOfWork'] }) },
          responses: {
            '201': {
              description: 'Received and acknowledged.',
              content: json({
                type: 'object',
                required: ['reference', 'acknowledgedAt', 'triageDue', 'trackingUrl'],
                properties: { reference: { type: 'string' }, acknowledgedAt: { type: 'string', format: 'date-time' }, triageDue: { type: 'string', format: 'date-time' }, trackingUrl: { type: 'string', format: 'uri' } },
              }),
            },
            '400': response('400InvalidInput'),
            '404': response('404NotFound'),
            '429': response('429TooManyRequests'),
          },
        },
      },
      '/api/v1/public/makers/{makerSlug}/products/{modelNumber}': {
        get: publicGet('A product by maker and model number', 'The model number is compared without regard to case.', [parameter('makerSlug'), parameter('modelNumber')], productContent, ['404NotFound']),
        options: preflight,
      },
      '/api/v1/public/export.json': {
        get: publicGet(
          'Every public product, as JSON',
          'The whole public register for aggregators, streamed. Limited to 60 requests a minute per address; use the ETag.',
          [],
          { 'application/json': { schema: ref('PublicExport') } },
          ['429TooManyRequests'],
        ),
        options: preflight,
      },
      '/api/v1/public/export.csv': {
        get: publicGet(
          'Every public product, as CSV',
          'RFC 4180 with a header line. Columns: maker, maker_slug, brand, name, model_number, category, gtins (GTIN-14s separated by spaces), end_date (YYYY-MM-DD), at_least (true/false), published_at (ISO 8601), status (active/ended), product_url. Limited to 60 requests a minute per address.',
          [],
          { 'text/csv': { schema: { type: 'string' }, example: 'maker,maker_slug,brand,name,model_number,category,gtins,end_date,at_least,published_at,status,product_url\n' } },
          ['429TooManyRequests'],
        ),
        options: preflight,
      },
      '/api/openapi.json': {
        get: publicGet('This document', 'The OpenAPI 3.1 description of the API.', [], { 'application/json': { schema: { type: 'object' } } }, []),
        options: preflight,
      },
      '/api/v1/organisation': { get: privateOperation({ summary: 'Your organisation', permission: 'organisation.read', ok: json(ref('Organisation')) }) },
      '/api/v1/products': {
        get: privateOperation({
          summary: 'Your products, published or not',
          permission: 'products.read',
          ok: json({ type: 'object', required: ['products'], properties: { products: { type: 'array', items: ref('Product') } } }),
        }),
        post: privateOperation({
          summary: 'Add a product',
          permission: 'products.write',
          status: '201',
          description: 'The Location header names the new product.',
          body: productBody,
          ok: json(ref('Product')),
          errors: ['400InvalidInput'],
        }),
      },
      '/api/v1/products/export.csv': {
        get: privateOperation({
          summary: 'Your products as CSV',
          permission: 'products.read',
          description: `The same columns the import reads, so a file can be edited and imported back: ${productCsvColumns.join(', ')}.`,
          ok: { 'text/csv': { schema: { type: 'string' } } },
        }),
      },
      '/api/v1/products/import': {
        post: privateOperation({
          summary: 'Add or update products from CSV',
          permission: 'products.write',
          description: `Rows are matched by model number; a bad row is rejected with its line and reason and changes nothing, the good rows are saved. Columns: ${productCsvColumns.join(', ')}. At most 5 MB and 10,000 rows.`,
          body: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
          ok: json({
            type: 'object',
            required: ['saved', 'rejected', 'results'],
            properties: { saved: { type: 'integer' }, rejected: { type: 'integer' }, results: { type: 'array', items: ref('ImportLine') } },
          }),
          errors: ['400InvalidInput'],
        }),
      },
      '/api/v1/catalogue/check': {
        post: privateOperation({
          summary: "Check a retailer's or regulator's catalogue against the published support periods",
          permission: 'products.read',
          description:
            'Body: CSV (text/csv) with a GTIN column (gtin, ean, upc or barcode) or maker and model columns, or JSON {rows: [{gtin} | {maker, model}], withinDays}. ' +
            'Query: withinDays (default 180) marks periods ending that soon; format=json|csv (or Accept: text/csv). Each row gets published, ending-soon, ended, not-found, invalid-gtin or unreadable. At most 100,000 rows and 20 MB.',
          body: {
            required: true,
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object', properties: { rows: { type: 'array', items: { type: 'object' } }, withinDays: { type: 'integer' } } } },
            },
          },
          ok: { 'application/json': { schema: { type: 'object', required: ['summary', 'rows'], properties: { summary: { type: 'object' }, rows: { type: 'array', items: { type: 'object' } } } } }, 'text/csv': { schema: { type: 'string' } } },
          errors: ['400InvalidInput'],
        }),
      },
      '/api/v1/products/{productId}': {
        get: privateOperation({
          summary: 'One of your products, with the history of its support period',
          permission: 'products.read',
          parameters: [parameter('productId')],
          ok: json({ allOf: [ref('Product'), { type: 'object', required: ['supportPeriodHistory'], properties: { supportPeriodHistory: { type: 'array', items: ref('SupportPeriodEvent') } } }] }),
          errors: ['404NotFound'],
        }),
        put: privateOperation({
          summary: 'Change a product',
          permission: 'products.write',
          parameters: [parameter('productId')],
          body: productBody,
          ok: json(ref('Product')),
          errors: ['400InvalidInput', '404NotFound'],
        }),
      },
      '/api/v1/products/{productId}/support-period': {
        put: privateOperation({
          summary: 'Save, publish or extend the support period',
          permission: 'products.write',
          description: 'Saved as a draft unless `publish` is true. Once published it is public, and may be extended but never shortened (PSTI Schedule 1 §3): a shorter end date is a 409 with the code CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED.',
          parameters: [parameter('productId')],
          body: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['endDate'],
                  properties: { endDate: { type: 'string', format: 'date' }, atLeast: { type: 'boolean', default: false }, publish: { type: 'boolean', default: false } },
                },
              },
            },
          },
          ok: json(ref('SupportPeriodDraft')),
          errors: ['400InvalidInput', '404NotFound', '409SupportPeriodShortened'],
        }),
      },
      '/api/v1/products/{product}/evidence': {
        post: privateOperation({
          summary: 'Upload a scan, probe or password audit as compliance evidence',
          permission: 'evidence.write',
          description:
            'The body is the JSON report of `connectable scan|probe|passwords audit --json`, bare or in the envelope `--upload` sends; anything else is a 400 that says what was expected, and a report made with --show-secrets is refused. The product is named by id or slug within your organisation. The answer carries the three duties as red/amber/green with the next action.',
          parameters: [
            { name: 'product', in: 'path', required: true, description: 'Product id or slug.', schema: { type: 'string' } },
            { name: 'kind', in: 'query', required: false, schema: { type: 'string', enum: ['firmware-scan', 'probe', 'password-audit'] } },
            { name: 'firmwareVersion', in: 'query', required: false, schema: { type: 'string', maxLength: 100 } },
            { name: 'hardwareRevision', in: 'query', required: false, schema: { type: 'string', maxLength: 100 } },
          ],
          body: { required: true, content: { 'application/json': { schema: { description: 'A Connectable tool report (up to 8 MiB).' } } } },
          status: '201',
          ok: json({ type: 'object', required: ['evidence', 'duties'], properties: { evidence: { type: 'object' }, duties: { type: 'array', items: { type: 'object' } } } }),
          errors: ['400InvalidInput', '404NotFound'],
        }),
      },
      '/api/v1/products/{product}/assessment': {
        get: privateOperation({
          summary: 'The compliance assessment of one product',
          permission: 'compliance.read',
          description: 'Every provision (PSTI Schedule 1, ETSI EN 303 645, CRA) with its status, reason, evidence and who judged it; the three duties as red/amber/green.',
          parameters: [
            { name: 'product', in: 'path', required: true, description: 'Product id or slug.', schema: { type: 'string' } },
            { name: 'hardwareRevision', in: 'query', required: false, schema: { type: 'string', maxLength: 100 } },
          ],
          ok: json({ type: 'object', required: ['product', 'duties', 'provisions'], properties: { product: { type: 'object' }, duties: { type: 'array', items: { type: 'object' } }, provisions: { type: 'array', items: { type: 'object' } } } }),
          errors: ['404NotFound'],
        }),
      },
      '/api/v1/members': {
        get: privateOperation({
          summary: "Your organisation's members",
          permission: 'members.read',
          ok: json({ type: 'object', required: ['members'], properties: { members: { type: 'array', items: ref('Member') } } }),
        }),
      },
      '/api/v1/audit': {
        get: privateOperation({
          summary: 'Your audit log, newest first',
          permission: 'audit.read',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
            { name: 'before', in: 'query', description: 'Only events with a smaller id: the last id of the previous page.', schema: { type: 'integer', minimum: 1 } },
          ],
          ok: json({ type: 'object', required: ['events'], properties: { events: { type: 'array', items: ref('AuditEvent') } } }),
          errors: ['400InvalidInput'],
        }),
      },
    },
    components: {
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: `An API token (cnt_…), shown once when created. Scopes: ${tokenScopes.join(', ')}; every token may read its organisation.`,
        },
      },
      parameters: {
        gtin: { name: 'gtin', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9 -]{8,20}$' }, example: '04012345000016' },
        makerSlug: { name: 'makerSlug', in: 'path', required: true, schema: { type: 'string' }, example: 'acme-widgets' },
        modelNumber: { name: 'modelNumber', in: 'path', required: true, schema: { type: 'string' }, example: 'ACME-CAM-1' },
        productId: { name: 'productId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        IfNoneMatch: { name: 'If-None-Match', in: 'header', required: false, description: 'An ETag from an earlier response; unchanged answers are a bodiless 304.', schema: { type: 'string' } },
      },
      headers: {
        ETag: { description: 'A strong validator: the SHA-256 of the body.', schema: { type: 'string' } },
        CacheControl: { schema: { type: 'string', const: 'public, max-age=300, stale-while-revalidate=86400' } },
        AccessControlAllowOrigin: { schema: { type: 'string', const: '*' } },
      },
      responses: {
        '400InvalidInput': problem('The input is not valid, e.g. a GTIN with a wrong check digit.', 'CONNECTABLE_ERR_INVALID_INPUT'),
        '401Unauthenticated': problem('No token, or a token that is not valid or was revoked.', 'CONNECTABLE_ERR_UNAUTHENTICATED'),
        '403Forbidden': problem('The token lacks the scope, or the role lacks the permission.', 'CONNECTABLE_ERR_FORBIDDEN'),
        '404NotFound': problem('Nothing (published) at this address.', 'CONNECTABLE_ERR_NOT_FOUND'),
        '409SupportPeriodShortened': problem('A published support period can be extended, never shortened (PSTI Schedule 1 §3).', 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED'),
        '429TooManyRequests': problem('Too many requests from this address; wait a minute.', 'CONNECTABLE_ERR_LOCKED_OUT'),
      },
      schemas,
    },
  };
}
