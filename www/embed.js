// Overfit Lab embed loader. Put
//   <script src="https://…/embed.js" defer></script>
//   <div data-overfit="https://…/?exp=grokking&preset=quick"></div>
// on a page: each div becomes a sized <iframe> of that experiment, created when it scrolls
// into view (so a long course page only trains what readers look at). Optional attributes:
// data-height (pixels, default 820) and data-title. Drive a widget with postMessage:
//   iframe.contentWindow.postMessage({ type: 'overfit:start' }, widgetOrigin)
// (also 'overfit:stop', 'overfit:state', 'overfit:metrics'); it answers with
// { type: 'overfit:state', status, step, total } and { type: 'overfit:metrics', report }.
(function () {
  'use strict';
  function widgetUrl(link) {
    var url = new URL(link, document.baseURI);
    url.searchParams.set('embed', '1');
    // Tell the widget which origin may drive it and receive its state.
    if (location.origin && location.origin !== 'null') url.searchParams.set('origin', location.origin);
    return url.href;
  }
  function mount(div) {
    if (div.dataset.overfitMounted) return;
    div.dataset.overfitMounted = '1';
    var frame = document.createElement('iframe');
    frame.src = widgetUrl(div.getAttribute('data-overfit'));
    frame.title = div.getAttribute('data-title') || 'Overfit Lab experiment';
    frame.width = '100%';
    frame.height = String(parseInt(div.getAttribute('data-height'), 10) || 820);
    frame.style.border = '0';
    frame.setAttribute('allow', 'clipboard-write');
    div.appendChild(frame);
  }
  function start() {
    var divs = Array.prototype.slice.call(document.querySelectorAll('div[data-overfit]'));
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
