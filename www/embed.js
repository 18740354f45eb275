// Overfit Lab embed loader. Put
//   <script src="https://…/embed.js" defer></script>
//   <div data-overfit="https://…/?exp=grokking&preset=quick"></div>
// on a page: each div becomes a sized <iframe> of that experiment, created when it scrolls
// into view (so a long course page only trains what readers look at). Optional attributes:
// data-height (pixels, 200–4000, default 820) and data-title. Drive a widget with postMessage:
//   iframe.contentWindow.postMessage({ type: 'overfit:start' }, widgetOrigin)
// (also 'overfit:stop', 'overfit:state', 'overfit:metrics'); it answers with
// { type: 'overfit:state', status, step, total } and { type: 'overfit:metrics', report }.
// A widget holds its run (status 'paused') while it is out of the reader's view.
//
// Nothing in an attribute is trusted: only an http(s) link to the app this script came from
// (its directory, or its index.html) becomes a widget (a relative link is taken relative to
// that directory); anything else, such as a `javascript:` or `data:` URL, another site, or
// another page of the same site, leaves a message in the div and runs nothing.
// The widget's frame is sandboxed to what the app needs and sends only its origin as referrer.
(function () {
  'use strict';
  var script = document.currentScript;
  // The widget's own site: where this loader was served from (its directory is the app's).
  var home = script && script.src ? new URL('.', script.src) : null;

  function widgetUrl(link) {
    if (!home) throw new Error('the loader cannot tell which site it came from');
    if (typeof link !== 'string' || !link.trim()) throw new Error('the data-overfit link is empty');
    var url;
    try { url = new URL(link.trim(), home); } catch (e) { throw new Error('the data-overfit link is not a URL'); }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('only http(s) links are loaded, not ' + url.protocol + ' links');
    if (url.origin !== home.origin) throw new Error('only links to ' + home.origin + ' are loaded, not to ' + url.origin);
    // The app itself and nothing else of its site: on a shared origin (a user's github.io, a
    // university's ~user pages) another page of the same site must not be framed under the
    // widget's name. The URL parser has already resolved any `..` and `%2e%2e`.
    if (url.pathname !== home.pathname && url.pathname !== home.pathname + 'index.html') {
      throw new Error('only the Overfit Lab app at ' + home.href + ' is loaded, not ' + url.origin + url.pathname);
    }
    url.searchParams.set('embed', '1');
    // Tell the widget which origin may drive it and receive its state.
    url.searchParams.delete('origin');
    if (location.origin && location.origin !== 'null') url.searchParams.set('origin', location.origin);
    return url.href;
  }

  function refuse(div, reason) {
    var note = document.createElement('p');
    note.className = 'overfit-refused';
    note.setAttribute('role', 'alert');
    note.style.cssText = 'border:1px solid #d97706;background:#fffbeb;color:#92400e;padding:0.6em 0.8em;font:14px/1.4 system-ui,sans-serif';
    note.textContent = 'Overfit Lab widget not loaded: ' + reason + '.';
    div.appendChild(note);
  }

  function mount(div) {
    if (div.dataset.overfitMounted) return;
    div.dataset.overfitMounted = '1';
    var src;
    try { src = widgetUrl(div.getAttribute('data-overfit')); } catch (e) { refuse(div, e.message); return; }
    var frame = document.createElement('iframe');
    frame.src = src;
    frame.title = div.getAttribute('data-title') || 'Overfit Lab experiment';
    frame.width = '100%';
    frame.height = String(heightOf(div));
    frame.style.border = '0';
    // Scripts and its own origin (the app's wasm and its Web Workers), downloads (exports) and
    // new tabs (the papers); no top navigation, forms or modals.
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-downloads allow-popups allow-popups-to-escape-sandbox');
    frame.setAttribute('referrerpolicy', 'strict-origin');
    frame.setAttribute('allow', 'clipboard-write');
    div.appendChild(frame);
  }

  function heightOf(div) {
    var height = parseInt(div.getAttribute('data-height'), 10);
    return height >= 200 && height <= 4000 ? height : 820;
  }

  function start() {
    var divs = Array.prototype.slice.call(document.querySelectorAll('div[data-overfit]'));
    // Each div holds its widget's height before the widget is made, so the page keeps its
    // layout and only the widgets near the reader's view are made (empty divs would all sit
    // in view at once).
    // A link that will be refused is refused at once, taking no room.
    divs = divs.filter(function (d) {
      try { widgetUrl(d.getAttribute('data-overfit')); } catch (e) { mount(d); return false; }
      d.style.minHeight = heightOf(d) + 'px';
      return true;
    });
    if (!('IntersectionObserver' in window)) { divs.forEach(mount); return; }
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { seen.unobserve(e.target); mount(e.target); }
      });
    }, { rootMargin: '200px' });
    divs.forEach(function (d) { seen.observe(d); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
