// inspect measures a loaded page for pagecheck.Check, which calls it as
// inspect(selectors, maxWide, wantWide) and decodes the result into state.
function inspect(selectors, maxWide, wantWide) {
  const root = document.documentElement;
  const body = document.body;
  const viewport = root.clientWidth;

  const missing = [];
  const invalid = [];
  for (const s of selectors) {
    try {
      if (document.querySelector(s) === null) missing.push(s);
    } catch (e) {
      invalid.push(JSON.stringify(s) + ': ' + e.message);
    }
  }

  // Images that loaded nothing or could not be decoded; a lazy image
  // below the fold has not loaded yet and is not complete.
  const broken = [];
  for (const img of document.images) {
    if (img.complete && img.naturalWidth === 0) {
      const src = img.currentSrc || img.getAttribute('src') || '';
      broken.push(src.length > 80 ? src.slice(0, 80) + '…' : src);
    }
  }

  // The outermost elements past the right edge, in document order: an
  // element's box, or the text it holds, when the element does not clip
  // it. An element inside a box that clips or scrolls sideways does not
  // widen the page, and neither does a fixed one.
  const wide = [];
  let wideCount = 0;
  if (wantWide && root.scrollWidth > viewport && body) {
    const clips = new Map(); // element -> its overflow-x is not visible
    const clipsX = (el) => {
      if (!clips.has(el)) clips.set(el, getComputedStyle(el).overflowX !== 'visible');
      return clips.get(el);
    };
    const past = new Set();
    const scrollX = window.scrollX;
    for (const el of body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      let left = r.left;
      let right = r.width > 0 ? r.right : -Infinity;
      if (!clipsX(el)) {
        for (const n of el.childNodes) {
          if (n.nodeType !== Node.TEXT_NODE || n.textContent.trim() === '') continue;
          const range = document.createRange();
          range.selectNodeContents(n);
          const t = range.getBoundingClientRect();
          if (t.width === 0) continue;
          left = Math.min(left, t.left);
          right = Math.max(right, t.right);
        }
      }
      if (right + scrollX <= viewport + 0.5) continue;
      if (getComputedStyle(el).position === 'fixed') continue;
      // One walk up the ancestors: a clipping one hides el, and one
      // already past the edge makes el not the outermost.
      let clipped = false;
      let inner = false;
      for (let p = el.parentElement; p && p !== body; p = p.parentElement) {
        if (clipsX(p)) {
          clipped = true;
          break;
        }
        inner = inner || past.has(p);
      }
      if (clipped) continue;
      past.add(el);
      if (inner) continue;
      wideCount++;
      if (wide.length < maxWide) {
        let name = el.tagName.toLowerCase();
        if (el.id) name += '#' + el.id;
        const cls = (el.getAttribute('class') || '').trim();
        if (cls) name += '.' + cls.split(/\s+/).join('.');
        wide.push({ name: name, rightPx: right + scrollX, widthPx: right - left });
      }
    }
  }

  return {
    title: document.title,
    text: body ? body.innerText : '',
    scrollWidth: root.scrollWidth,
    clientWidth: viewport,
    missing: missing,
    invalid: invalid,
    broken: broken,
    wide: wide,
    wideCount: wideCount,
  };
}
