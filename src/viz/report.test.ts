import { describe, expect, it } from 'vitest';
import { pngDataUrl } from './charts.js';
import { imageGridPng } from './grid.js';
import { escapeHtml, formatNumber, renderReportHtml, type Report } from './report.js';

const EVIL = '</script><img src=x onerror=alert(1)>"\'&';

describe('renderReportHtml', () => {
  it('escapes every piece of user text: title, headings, keys, values, cells, captions, alt, JSON', () => {
    const png = imageGridPng(new Float32Array(4), 1, 2, 2);
    const report: Report = {
      title: EVIL,
      subtitle: EVIL,
      sections: [
        {
          heading: EVIL,
          intro: EVIL,
          blocks: [
            { kind: 'keyValues', title: EVIL, entries: [[EVIL, EVIL]] },
            { kind: 'table', title: EVIL, columns: [EVIL], rows: [[EVIL]], caption: EVIL },
            { kind: 'image', title: EVIL, png, caption: EVIL, alt: EVIL },
            { kind: 'text', text: EVIL },
            { kind: 'json', title: EVIL, value: { data: EVIL } },
          ],
        },
        { heading: 'second', blocks: [] },
      ],
    };
    const html = renderReportHtml(report);
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toMatch(/<\/script>/i);
    expect(html).not.toMatch(/onerror=alert\(1\)>/);
    // 18 text slots (title twice, TOC link) + the JSON value; the JSON string shows its quotes escaped as \" inside
    const escaped = escapeHtml(EVIL);
    expect(html.split(escaped).length - 1).toBe(18);
    expect(html).toContain(escapeHtml(JSON.stringify({ data: EVIL }, null, 2)));
    // the only <img> is the real one
    expect(html.match(/<img /g)).toHaveLength(1);
  });

  it('is self-contained: no external URL, a no-network CSP, images inlined as data URLs', () => {
    const png = imageGridPng(new Float32Array(28 * 28), 1, 28, 28);
    const html = renderReportHtml({ title: 't', sections: [{ heading: 'h', blocks: [{ kind: 'image', png, alt: 'a digit' }] }] });
    expect(html).toContain(`src="${pngDataUrl(png)}"`);
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script|<link|@import|url\(http/i);
  });

  it('lists sections in a table of contents that links to them', () => {
    const html = renderReportHtml({
      title: 'Run',
      sections: [
        { heading: 'Config', blocks: [] },
        { heading: 'Loss', blocks: [] },
      ],
    });
    expect(html).toContain('<a href="#section-1">Config</a>');
    expect(html).toContain('<a href="#section-2">Loss</a>');
    expect(html).toContain('<section id="section-2">\n<h2>Loss</h2>');
  });

  it('enlarges small PNGs by an integer factor with pixelated rendering, keeps large ones as they are', () => {
    const small = imageGridPng(new Float32Array(4 * 28 * 28), 4, 28, 28, { cols: 2 }); // 59 x 59
    const large = imageGridPng(new Float32Array(700 * 20), 1, 20, 700, { pad: 0 });
    const html = renderReportHtml({
      title: 't',
      sections: [{ heading: 'h', blocks: [{ kind: 'image', png: small, alt: 's' }, { kind: 'image', png: large, alt: 'l' }] }],
    });
    expect(html).toContain('alt="s" width="295" height="295" class="pixelated"'); // floor(320/59) = 5
    expect(html).toContain('alt="l" width="700" height="20">');
  });

  it('formats numbers in tables and key-values to 4 significant digits, right-aligned', () => {
    const html = renderReportHtml({
      title: 't',
      sections: [
        {
          heading: 'h',
          blocks: [
            { kind: 'keyValues', entries: [['loss', 101.23456], ['steps', 7030], ['lr', 0.001]] },
            { kind: 'table', columns: ['a', 'b'], rows: [['x', 0.000012346], ['y', 123456.7]] },
          ],
        },
      ],
    });
    expect(html).toContain('<th scope="col">a</th><th scope="col" class="num">b</th>');
    for (const s of ['<td class="num">101.2</td>', '<td class="num">7030</td>', '<td class="num">0.001</td>', '<td class="num">1.235e-5</td>', '<td class="num">123457</td>', '<td>x</td>']) {
      expect(html).toContain(s);
    }
  });

  it('prefixes SVG ids per figure so two charts with the same clip id do not collide', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><clipPath id="clip1"><rect width="5" height="5"/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><text>url(#other)</text></g></svg>';
    const html = renderReportHtml({
      title: 't',
      sections: [{ heading: 'h', blocks: [{ kind: 'svg', svg: `<?xml version="1.0"?>${svg}` }, { kind: 'svg', svg }] }],
    });
    expect(html).toContain('id="f1-1-clip1"');
    expect(html).toContain('clip-path="url(#f1-1-clip1)"');
    expect(html).toContain('href="#f1-1-clip1"');
    expect(html).toContain('id="f1-2-clip1"');
    expect(html).toContain('url(#f1-2-clip1)');
    expect(html).toContain('<text>url(#other)</text>'); // not an id of this SVG: untouched
    expect(html).not.toContain('<?xml');
    expect(html.match(/id="clip1"/g)).toBeNull();
  });

  it('renders JSON pretty-printed in a collapsible <details>, typed arrays as arrays', () => {
    const html = renderReportHtml({
      title: 't',
      sections: [{ heading: 'h', blocks: [{ kind: 'json', title: 'config', value: { hidden: [2, 3], w: Float32Array.from([0.5]) } }] }],
    });
    expect(html).toContain('<details class="block wide json"><summary>config</summary><pre>{\n  &#34;hidden&#34;: [\n    2,\n    3\n  ],\n  &#34;w&#34;: [\n    0.5\n  ]\n}</pre></details>');
  });
});

describe('formatNumber', () => {
  it('integers as is, 4 significant digits otherwise, exponent below 1e-3', () => {
    expect(formatNumber(60000)).toBe('60000');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(98.7654)).toBe('98.77');
    expect(formatNumber(-1.5)).toBe('-1.5');
    expect(formatNumber(12345.67)).toBe('12346');
    expect(formatNumber(0.00012346)).toBe('1.235e-4');
    expect(formatNumber(2e-7)).toBe('2e-7');
    expect([formatNumber(NaN), formatNumber(Infinity), formatNumber(-Infinity)]).toEqual(['NaN', '∞', '−∞']);
  });
});
