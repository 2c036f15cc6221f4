import assert from 'node:assert/strict';
import vm from 'node:vm';
import { after, before, describe, test } from 'node:test';
import { checkDigitFor, createProduct, setSupportPeriod, type Product } from '../../../registry/index.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';
import { badgeSvg, widgetLanguage, widgetScript, widgetSentence, widgetText } from './widget.ts';

let platform: TestPlatform;
let active: Product;
let atLeast: Product;
let ended: Product;
let draft: Product;

const withCheckDigit = (data: string): string => `${data}${checkDigitFor(data)}`;
const get = (url: string, headers: Record<string, string> = {}) => platform.app.inject({ method: 'GET', url, headers });
const unknownGtin = withCheckDigit('999999999999');

before(async () => {
  platform = await startTestPlatform();
  const { organisationId } = await ownerOf(platform, 'Acme Widgets', 'owner@acme.test');
  const actor = { label: 'owner@acme.test', organisationId };
  const make = async (model: string, gtin: string, period: { endDate: string; atLeast?: boolean; publish: boolean }): Promise<Product> => {
    const p = await createProduct(platform.db, actor, { brand: 'Acme', name: `Acme ${model}`, modelNumber: model, category: 'camera', gtins: gtin });
    await setSupportPeriod(platform.db, actor, p.id, period);
    return p;
  };
  active = await make('CAM-1', '4012345000016', { endDate: '2030-03-31', publish: true });
  atLeast = await make('CAM-2', withCheckDigit('401234500002'), { endDate: '2031-06-30', atLeast: true, publish: true });
  ended = await make('PLUG-0', withCheckDigit('401234500003'), { endDate: '2025-06-30', publish: true });
  draft = await make('SECRET-1', withCheckDigit('401234500004'), { endDate: '2029-01-31', publish: false });
});
after(async () => platform.close());

describe('the widget script', () => {
  test('is one small script, readable from any origin and cached for a day', async () => {
    const r = await get('/widget.js');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/javascript; charset=utf-8/);
    assert.ok(Buffer.byteLength(r.body) < 5000, `widget.js is ${Buffer.byteLength(r.body)} bytes; keep it under 5 kB`);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin', 'a <script> on a shop page may load it');
    assert.match(String(r.headers['cache-control']), /^public, max-age=86400/);
    const etag = String(r.headers.etag);
    assert.equal((await get('/widget.js', { 'if-none-match': etag })).statusCode, 304);
  });

  test('is valid JavaScript that defines no globals, carrying the text of every language', () => {
    assert.doesNotThrow(() => new vm.Script(widgetScript));
    assert.match(widgetScript, /^\(function \(\) \{\n'use strict';/);
    assert.ok(!widgetScript.includes('innerHTML'), 'text from the API is never parsed as markup');
    for (const t of Object.values(widgetText)) assert.ok(widgetScript.includes(JSON.stringify(t.none)), t.none);
    // Run it where nothing exists: it must swallow the failure, not throw into the host page.
    const sandbox: Record<string, unknown> = {};
    vm.runInNewContext(widgetScript, sandbox);
    assert.deepEqual(Object.keys(sandbox), []);
  });
});

describe('the sentence', () => {
  const period = (endDate: string, status: 'active' | 'ended', atLeastToo = false) => ({ endDate, atLeast: atLeastToo, status, publishedAt: new Date(), daysLeft: 0, statement: '' });

  test('is written in the host page language, with the date as that language writes it', () => {
    assert.equal(widgetSentence(period('2030-03-31', 'active'), widgetLanguage('en')), 'Security updates until 31 March 2030');
    assert.equal(widgetSentence(period('2030-03-31', 'active'), widgetLanguage('en-US')), 'Security updates until March 31, 2030');
    assert.equal(widgetSentence(period('2030-03-31', 'active'), widgetLanguage('de-DE')), 'Sicherheitsupdates bis 31. März 2030');
    assert.equal(widgetSentence(period('2030-03-31', 'active', true), widgetLanguage('fr')), 'Mises à jour de sécurité au moins jusqu’au 31 mars 2030');
    assert.equal(widgetSentence(period('2025-06-30', 'ended'), widgetLanguage('es')), 'Las actualizaciones de seguridad terminaron el 30 de junio de 2025');
    assert.equal(widgetSentence(period('2025-06-30', 'ended'), widgetLanguage('it')), 'Gli aggiornamenti di sicurezza sono terminati il 30 giugno 2025');
    assert.equal(widgetSentence(period('2030-03-31', 'active'), widgetLanguage('nl')), 'Beveiligingsupdates tot 31 maart 2030');
    assert.equal(widgetSentence(undefined, widgetLanguage('de')), 'Informationen zu Sicherheitsupdates sind hier nicht verfügbar.');
  });

  test('falls back to English for languages it does not have, and for nonsense', () => {
    for (const tag of ['pl', 'zh-Hant', '', 'x!', undefined]) assert.equal(widgetLanguage(tag).lang, 'en', String(tag));
    assert.equal(widgetLanguage('en').locale, 'en-GB');
    assert.equal(widgetLanguage('de-at!!').locale, 'de-DE');
  });
});

describe('the iframe snippet', () => {
  test('says the same sentence in the language asked for, can be framed by any site, and loads nothing but its stylesheet', async () => {
    const r = await get(`/widget/${active.gtins[0]}?lang=de`);
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /<html lang="de">/);
    assert.match(r.body, /<span class="connectable-statement">Sicherheitsupdates bis 31\. März 2030<\/span>/);
    assert.match(r.body, new RegExp(`<a class="connectable-details" href="http://connectable\\.test/makers/acme-widgets/products/${active.slug}" target="_blank" rel="noopener" aria-label="Details: Acme CAM-1">Details</a>`));
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors \*/);
    assert.equal(r.headers['x-frame-options'], undefined);
    assert.ok(!/<script|style=|<style/.test(r.body), 'no inline script or style');
    assert.deepEqual([...r.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u?.startsWith('http://connectable.test/makers/')), ['/widget.css']);
    const css = await get('/widget.css');
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
  });

  test('defaults to English, and says "at least"', async () => {
    const r = await get(`/widget/${atLeast.gtins[0]}`);
    assert.match(r.body, /<html lang="en">/);
    assert.match(r.body, />Security updates at least until 30 June 2031</);
  });

  test('answers an unknown, unpublished or mistyped GTIN with the neutral sentence and 200, not an error page', async () => {
    for (const gtin of [unknownGtin, draft.gtins[0] ?? '', '4012345000017', 'nonsense']) {
      const r = await get(`/widget/${gtin}?lang=fr`, { accept: 'text/html' });
      assert.equal(r.statusCode, 200, gtin);
      assert.match(r.body, /Les informations sur les mises à jour de sécurité ne sont pas disponibles ici\./, gtin);
      assert.ok(!r.body.includes('connectable-details'), gtin);
      assert.ok(!r.body.includes('SECRET'), gtin);
    }
  });
});

describe('the badge', () => {
  const badge = async (gtin: string) => {
    const r = await get(`/badge/${gtin}.svg`);
    assert.equal(r.statusCode, 200, gtin);
    assert.match(String(r.headers['content-type']), /^image\/svg\+xml/);
    assert.equal(r.headers['cache-control'], 'public, max-age=3600');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin', 'an <img> on a shop page may load it');
    return r.body;
  };

  test('is green with the end date while updates last', async () => {
    const svg = await badge(active.gtins[0] ?? '');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img" aria-label="Security updates until 2030-03-31">/);
    assert.match(svg, /<title>Security updates until 2030-03-31<\/title>/);
    assert.match(svg, />security updates<\/text>/);
    assert.match(svg, />until 2030-03-31<\/text>/);
    assert.match(svg, /fill="#2e7d32"/);
    assert.match(await badge(atLeast.gtins[0] ?? ''), />at least until 2031-06-30<\/text>/);
  });

  test('is red once updates have ended', async () => {
    const svg = await badge(ended.gtins[0] ?? '');
    assert.match(svg, />ended 2025-06-30<\/text>/);
    assert.match(svg, /<title>Security updates ended on 2025-06-30<\/title>/);
    assert.match(svg, /fill="#b3261e"/);
  });

  test('is grey "unknown" for a GTIN that is unknown, unpublished or mistyped', async () => {
    for (const gtin of [unknownGtin, draft.gtins[0] ?? '', '4012345000017']) {
      const svg = await badge(gtin);
      assert.match(svg, />unknown<\/text>/, gtin);
      assert.match(svg, /fill="#6e6e6e"/, gtin);
      assert.match(svg, /<title>Security updates: information not available<\/title>/, gtin);
    }
  });

  test('is well-formed: as wide as its two halves, with no markup from the data', () => {
    const svg = badgeSvg(undefined);
    const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
    const rects = [...svg.matchAll(/<rect (?:x="\d+" )?width="(\d+)" height="20" fill="#(?:444|6e6e6e)"/g)].map((m) => Number(m[1]));
    assert.equal(rects.reduce((a, b) => a + b, 0), width);
  });
});

describe('the JSON-LD snippet', () => {
  test('is a Schema.org Product with the GTIN-14, the Digital Link and the end date', async () => {
    const r = await get(`/jsonld/${active.gtins[0]}.json`);
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/ld\+json/);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.deepEqual(r.json(), {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: 'Acme CAM-1',
      brand: { '@type': 'Brand', name: 'Acme' },
      model: 'CAM-1',
      gtin14: '04012345000016',
      url: `http://connectable.test/makers/acme-widgets/products/${active.slug}`,
      hasGS1DigitalLink: 'http://connectable.test/01/04012345000016',
      additionalProperty: [{ '@type': 'PropertyValue', name: 'Minimum security update support period end date', value: '2030-03-31' }],
    });
    assert.equal((await get('/jsonld/4012345000016.json')).json<{ gtin14: string }>().gtin14, '04012345000016', 'any GTIN form gives the GTIN-14');
  });

  test('is a 404 problem for what is not published, and a 400 naming the check digit for a typo', async () => {
    for (const gtin of [unknownGtin, draft.gtins[0] ?? '']) {
      const r = await get(`/jsonld/${gtin}.json`, { accept: 'application/json' });
      assert.equal(r.statusCode, 404, gtin);
      assert.equal(r.json<{ code: string }>().code, 'CONNECTABLE_ERR_NOT_FOUND');
    }
    const typo = await get('/jsonld/4012345000017.json', { accept: 'application/json' });
    assert.equal(typo.statusCode, 400);
    assert.match(typo.json<{ detail: string }>().detail, /should be 6/);
  });
});
