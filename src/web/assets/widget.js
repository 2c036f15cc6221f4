// Connectable support-period widget for retailers' product pages.
//   <script async src="https://CONNECTABLE-HOST/widget.js"></script>
//   <div data-connectable-gtin="04012345000016"></div>
// It runs on other people's pages, so it must never break them: one IIFE, no globals, every
// step inside try/catch, a 5-second limit, and a neutral sentence instead of an error. Text is
// built with DOM calls only (never innerHTML), so nothing from the API is parsed as markup.
// widget.ts fills in TEXT and strips comments and indentation before serving this file, which
// must stay under 5 kB: keep it plain.
(function () {
  'use strict';
  try {
    var TEXT = /*TEXT*/ {};
    var doc = document;
    // currentScript is set while an async classic script first runs; the selector is for loaders
    // that run it some other way.
    var me = doc.currentScript || doc.querySelector('script[src*="/widget.js"]');
    var origin = new URL(me.src).origin;
    var waiting = {};

    var render = function (el, product) {
      try {
        var tag = String(el.getAttribute('data-connectable-lang') || doc.documentElement.lang || 'en');
        var lang = tag.toLowerCase().split('-')[0];
        var t = TEXT[lang];
        var p = doc.createElement('p');
        var span = doc.createElement('span');
        if (!t) {
          t = TEXT.en;
          tag = lang = 'en';
        }
        // Say which language the text is in, so a screen reader pronounces a fallback right.
        p.lang = lang;
        // Bare "en" would format dates the American way; shops under UK law mostly write 31 March.
        if (lang === 'en' && tag.indexOf('-') < 0) tag = 'en-GB';
        p.className = 'connectable-support';
        span.className = 'connectable-statement';
        p.appendChild(span);
        var period = product && product.supportPeriod;
        var end = period && period.endDate;
        if (!/^\d{4}-\d\d-\d\d$/.test(end)) {
          span.textContent = t.none;
        } else {
          var date = end;
          try {
            date = new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(end + 'T00:00:00Z'));
          } catch (e) {}
          // Decided here rather than by the answer, which caches may have kept for a day.
          span.textContent = t[end < new Date().toISOString().slice(0, 10) ? 'ended' : period.atLeast ? 'atLeast' : 'until'].replace('{date}', date);
          if (/^https?:\/\//.test(product.productUrl)) {
            var a = doc.createElement('a');
            a.className = 'connectable-details';
            a.href = product.productUrl;
            a.textContent = t.details;
            // Starts with the visible text (WCAG 2.5.3) and names the product among several.
            a.setAttribute('aria-label', t.details + ': ' + product.name);
            p.appendChild(doc.createTextNode(' '));
            p.appendChild(a);
          }
        }
        el.textContent = '';
        el.appendChild(p);
      } catch (e) {}
    };

    // Answers a product, false for "not published" (kept 5 minutes) or null for a failure (not kept).
    var load = function (gtin, done) {
      var key = 'connectable:' + origin + ':' + gtin;
      var timer;
      var finish = function (answer) {
        var callbacks = waiting[gtin];
        if (!callbacks) return;
        delete waiting[gtin];
        clearTimeout(timer);
        try {
          if (answer !== null) sessionStorage.setItem(key, JSON.stringify({ t: Date.now(), p: answer }));
        } catch (e) {}
        for (var i = 0; i < callbacks.length; i++) callbacks[i](answer);
      };
      try {
        var hit = JSON.parse(sessionStorage.getItem(key));
        var age = Date.now() - hit.t;
        if (age >= 0 && age < 300000) return done(hit.p);
      } catch (e) {}
      if (waiting[gtin]) return waiting[gtin].push(done);
      waiting[gtin] = [done];
      try {
        var abort = new AbortController();
        timer = setTimeout(function () {
          finish(null);
          abort.abort();
        }, 5000);
        fetch(origin + '/api/v1/public/products/' + gtin, { credentials: 'omit', signal: abort.signal })
          .then(function (r) {
            return r.ok ? r.json() : r.status === 404 || r.status === 400 ? false : null;
          })
          .then(finish, function () {
            finish(null);
          });
      } catch (e) {
        finish(null);
      }
    };

    var scan = function () {
      try {
        var els = doc.querySelectorAll('[data-connectable-gtin]');
        for (var i = 0; i < els.length; i++) {
          (function (el) {
            if (el.getAttribute('data-connectable-state')) return;
            el.setAttribute('data-connectable-state', 'done');
            var gtin = String(el.getAttribute('data-connectable-gtin')).replace(/[\s-]/g, '');
            if (!/^\d{8,14}$/.test(gtin)) return render(el, false);
            load(gtin, function (answer) {
              render(el, answer);
            });
          })(els[i]);
        }
      } catch (e) {}
    };

    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', scan);
    else scan();
  } catch (e) {}
})();
