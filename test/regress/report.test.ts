import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/regress/compare.js';
import { junitXml, renderComparison, xmlEscape } from '../../src/report/regress.js';

const moved: Finding = {
  case: 'a <b> & "c"',
  kind: 'moved',
  metric: 'cycles',
  baseline: 100,
  now: 101,
  changePct: 1,
  tolerance: 'exact',
};

describe('regress output', () => {
  it('escapes the five XML specials', () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
  it('JUnit: one testcase per case, a failure only on the moved one, no raw specials in names', () => {
    const xml = junitXml('s&s', ['ok', moved.case], [moved]);
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('name="a &lt;b&gt; &amp; &quot;c&quot;"');
    expect(xml).toContain('tests="2" failures="1"');
    expect(xml).toContain('cycles: baseline 100, now 101, change +1.000 %, tolerance exact');
    // every tag opened is closed
    const opens = (xml.match(/<(testsuites|testsuite|testcase|failure)[ >]/g) ?? []).length;
    const selfClosed = (xml.match(/\/>/g) ?? []).length;
    const closes = (xml.match(/<\/(testsuites|testsuite|testcase|failure)>/g) ?? []).length;
    expect(opens).toBe(selfClosed + closes);
  });
  it('a clean comparison is one line', () => {
    expect(renderComparison({ findings: [], cases: 3, metrics: 40 })).toBe(
      'no regressions: 3 cases, 40 metrics',
    );
  });
});
