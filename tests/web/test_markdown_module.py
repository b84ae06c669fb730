"""The Markdown renderer (web/markdown.js) and the HTML/URL sanitizer (web/sanitize.js), unit-tested in the real browser.

Each test opens the app, imports the ES module with a dynamic import() inside the page (same origin, under the app's
strict CSP) and renders into an element attached to the live document, so anything that could run would run here.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WEB = Path(__file__).resolve().parents[2] / "web"

CITATIONS = [
    {"n": 1, "doc": "modifier-kx", "title": "Modifier KX", "section": "What KX does"},
    {"n": 2, "doc": "facet-injections", "title": "Facet joint injections"},
]

# Renders `src` into a <div> in the document; returns its HTML, its text and the citations whose chips were clicked.
RENDER = """async ([src, cites, click]) => {
    const { renderMarkdown } = await import('/static/markdown.js');
    const clicked = [];
    const ctx = cites === null ? null
      : { citations: new Map(cites.map((c) => [c.n, c])), onCite: (c, trigger) => clicked.push([c.n, trigger.dataset.cite]) };
    const box = document.createElement('div');
    box.id = 'md-under-test';
    box.appendChild(renderMarkdown(src, ctx));
    document.body.appendChild(box);
    if (click) for (const chip of box.querySelectorAll('button.chip')) chip.click();
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { html: box.innerHTML, text: box.textContent, clicked, pwned: window.xss ?? null };
}"""

SANITIZE = """async (html) => {
    const { sanitizeHtml } = await import('/static/sanitize.js');
    const box = document.createElement('div');
    box.appendChild(sanitizeHtml(html));
    document.body.appendChild(box);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const attrs = [...box.querySelectorAll('*')].flatMap((n) => [...n.attributes].map((a) => n.tagName + '@' + a.name));
    return { html: box.innerHTML, text: box.textContent, attrs, pwned: window.xss ?? null };
}"""

HOSTILE = [
    "<script>window.xss = 'script'</script>",
    "<img src=x onerror=\"window.xss = 'img'\">",
    "<svg onload=\"window.xss = 'svg'\"><script>window.xss = 'svg-script'</script></svg>",
    "<iframe src=\"javascript:window.top.xss = 'iframe'\"></iframe>",
    "<a href=\"javascript:window.xss = 'a'\">click</a>",
    "<details open ontoggle=\"window.xss = 'toggle'\">d</details>",
]


@pytest.fixture
def app_page(page: Page) -> Page:
    page.goto("/")
    return page


def render(page: Page, src: str, citations: list[dict] | None = None, click: bool = False) -> dict:
    return page.evaluate(RENDER, [src, citations, click])


def sanitize(page: Page, html: str) -> dict:
    """sanitizeHtml(html) rendered into the document.

    Chromium reports inline handlers and style attributes of elements in the inert DOMParser document as CSP
    violations while it parses (nothing runs and those elements never reach the page; the tests check the output
    for them). Those are the only violations allowed here; the renderer tests allow none at all."""
    out = page.evaluate(SANITIZE, html)
    page.wait_for_timeout(100)
    assert all("inline event handler" in v or "inline style" in v for v in page.probe.csp), page.probe.csp
    page.probe.csp.clear()
    return out


# ------------------------------------------------------------------ serving the modules


def test_page_loads_one_module_entry_and_every_module_is_javascript(web_server) -> None:
    index = (WEB / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script\b[^>]*>", index) == ['<script type="module" src="/static/app.js">']
    modules = sorted(p.name for p in WEB.glob("*.js"))
    for name in modules:
        r = httpx.get(f"{web_server.url}/static/{name}", timeout=10)
        assert r.status_code == 200, name
        # Browsers refuse a module script served with a non-JavaScript MIME type (and nosniff is on).
        assert r.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript"), name
        assert "script-src 'self'" in r.headers["content-security-policy"]
        for spec in re.findall(r"""^import .* from "([^"]+)";$""", r.text, flags=re.M):
            assert re.fullmatch(r"\./[a-z]+\.js", spec) and spec[2:] in modules, (name, spec)


def test_modules_import_in_the_page(app_page: Page) -> None:
    exported = app_page.evaluate(
        """async () => {
            const md = await import('/static/markdown.js');
            const san = await import('/static/sanitize.js');
            return [Object.keys(md).sort(), Object.keys(san).sort()];
        }"""
    )
    assert exported == [["citationChip", "renderMarkdown"], ["externalLink", "safeUrl", "sanitizeHtml"]]


# ------------------------------------------------------------------ Markdown: blocks


def test_headings_start_at_h3_and_cap_at_h6(app_page: Page) -> None:
    out = render(app_page, "# Title\n## Sub **bold** ##\n#### Four\n###### Six\n#not a heading")
    assert out["html"] == (
        "<h3>Title</h3><h4>Sub <strong>bold</strong></h4><h6>Four</h6><h6>Six</h6><p>#not a heading</p>"
    )


def test_paragraphs_join_lines_and_split_on_blank_lines(app_page: Page) -> None:
    out = render(app_page, "first line\r\nsame paragraph\r\n\r\nsecond\n   \nthird")
    assert out["html"] == "<p>first line same paragraph</p><p>second</p><p>third</p>"


def test_bullet_and_numbered_lists(app_page: Page) -> None:
    out = render(app_page, "- one\n* two\n  continued\n+ three\n\n3. c\n4. d\n\n1) x\n2) y\ntext after")
    assert out["html"] == (
        "<ul><li>one</li><li>two continued</li><li>three</li></ul>"
        '<ol start="3"><li>c</li><li>d</li></ol>'
        "<ol><li>x</li><li>y</li></ol><p>text after</p>"
    )


def test_blockquote_and_fenced_code(app_page: Page) -> None:
    out = render(app_page, "> quoted\n> **more**\n\n```\nline <1>\n  **not bold** & [1]\n```\nafter")
    assert out["html"] == (
        "<blockquote>quoted <strong>more</strong></blockquote>"
        "<pre><code>line &lt;1&gt;\n  **not bold** &amp; [1]</code></pre><p>after</p>"
    )


def test_pipe_tables(app_page: Page) -> None:
    out = render(app_page, "| Code | Units |\n|:---|---:|\n| `64493` | **1** |\n| 64494 | 2 |\nnot a row")
    assert out["html"] == (
        '<table class="claim-table"><thead><tr><th>Code</th><th>Units</th></tr></thead><tbody>'
        "<tr><td><code>64493</code></td><td><strong>1</strong></td></tr><tr><td>64494</td><td>2</td></tr>"
        "</tbody></table><p>not a row</p>"
    )
    # Without the separator line, pipes are just text.
    assert render(app_page, "| a | b |\nplain")["html"] == "<p>| a | b | plain</p>"


# ------------------------------------------------------------------ Markdown: inline


def test_bold_italic_and_inline_code(app_page: Page) -> None:
    out = render(app_page, "**bold** __also__ *it* `x **y** <b>` **with `code`** 2 * 3 * 4")
    assert out["html"] == (
        "<p><strong>bold</strong> <strong>also</strong> <em>it</em> <code>x **y** &lt;b&gt;</code> "
        "<strong>with <code>code</code></strong> 2 * 3 * 4</p>"
    )


def test_text_is_escaped(app_page: Page) -> None:
    out = render(app_page, 'a < b && c > d; "quotes" & &amp; &lt;i&gt;')
    assert out["text"] == 'a < b && c > d; "quotes" & &amp; &lt;i&gt;'
    assert out["html"] == '<p>a &lt; b &amp;&amp; c &gt; d; "quotes" &amp; &amp;amp; &amp;lt;i&amp;gt;</p>'


def test_http_links_open_in_a_new_tab(app_page: Page, web_server) -> None:
    out = render(app_page, "[CMS](https://www.cms.gov/medicare) [plain](http://example.org/a?b=1&c=2) [here](/api/docs)")
    assert out["html"] == (
        '<p><a href="https://www.cms.gov/medicare" target="_blank" rel="noopener noreferrer">CMS</a> '
        '<a href="http://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">plain</a> '
        f'<a href="{web_server.url}/api/docs" target="_blank" rel="noopener noreferrer">here</a></p>'
    )


@pytest.mark.parametrize(
    "href",
    ["javascript:alert%281%29", "JaVaScRiPt:alert%281%29", "data:text/html,hi", "vbscript:msgbox", "file:///etc/passwd",
     "javascript://%0aalert%281%29"],
)
def test_other_link_schemes_become_plain_text(app_page: Page, href: str) -> None:
    out = render(app_page, f"[label]({href}) after")
    assert out["html"] == "<p><span>label</span> after</p>"


def test_javascript_link_with_parentheses_is_not_a_link(app_page: Page) -> None:
    out = render(app_page, "[x](javascript:alert(1)) [y](data:text/html,<script>alert(1)</script>)")
    assert "<a" not in out["html"] and "<script" not in out["html"]
    assert out["text"] == "x) y</script>)"


def test_raw_html_is_text_never_elements(app_page: Page) -> None:
    src = "\n\n".join(HOSTILE) + "\n\n- <b>bold?</b>\n\n| <i>h</i> | x |\n|---|---|\n| <u>c</u> | y |"
    out = render(app_page, src)
    elements = app_page.evaluate(
        "() => [...document.querySelectorAll('#md-under-test *')].map((n) => n.tagName.toLowerCase())"
    )
    assert set(elements) <= {"p", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "span"}, elements
    assert out["pwned"] is None
    assert "&lt;script&gt;window.xss = 'script'&lt;/script&gt;" in out["html"]
    assert '&lt;img src=x onerror="window.xss = \'img\'"&gt;' in out["html"]
    assert "<b>" not in out["html"] and "&lt;b&gt;bold?&lt;/b&gt;" in out["html"]


def test_markup_inside_emphasis_and_links_stays_text(app_page: Page) -> None:
    out = render(app_page, '**<img src=x onerror=alert(1)>** *<svg onload=alert(1)>* [<b>t</b>](https://example.org/)')
    assert out["html"] == (
        "<p><strong>&lt;img src=x onerror=alert(1)&gt;</strong> <em>&lt;svg onload=alert(1)&gt;</em> "
        '<a href="https://example.org/" target="_blank" rel="noopener noreferrer">&lt;b&gt;t&lt;/b&gt;</a></p>'
    )


# ------------------------------------------------------------------ Markdown: [n] citation markers


def test_citation_markers_are_text_without_citations(app_page: Page) -> None:
    # Passages and the partial streamed answer render without citations: markers stay as written.
    out = render(app_page, "Modifier 25 [1] and [2, 3].")
    assert out["html"] == "<p>Modifier 25 [1] and [2, 3].</p>"


def test_citation_markers_become_chips_that_open_the_source(app_page: Page) -> None:
    out = render(app_page, "Bill it [1]. See [1, 2] and [1–3]; [9] is unknown.", CITATIONS, click=True)
    html = out["html"]
    chip1 = ('<button type="button" class="chip" aria-label="Source 1: Modifier KX, What KX does" '
             'title="Source 1: Modifier KX, What KX does" data-cite="1">1</button>')
    chip2 = ('<button type="button" class="chip" aria-label="Source 2: Facet joint injections" '
             'title="Source 2: Facet joint injections" data-cite="2">2</button>')
    missing3 = '<span class="chip missing" title="No source 3">3</span>'
    missing9 = '<span class="chip missing" title="No source 9">9</span>'
    assert html == f"<p>Bill it {chip1}. See {chip1}{chip2} and {chip1}{chip2}{missing3}; {missing9} is unknown.</p>"
    # Each chip calls onCite with its citation and the chip itself (the panel returns focus there).
    assert out["clicked"] == [[1, "1"], [1, "1"], [2, "2"], [1, "1"], [2, "2"]]


def test_citation_ranges_and_lists(app_page: Page) -> None:
    def chips(src: str) -> list[str]:
        render(app_page, src, CITATIONS)
        return app_page.evaluate("() => [...document.querySelectorAll('#md-under-test')].pop().textContent")

    assert chips("[1-2]") == "12"
    assert chips("[1; 2]") == "12"
    assert chips("[1, 3-5]") == "1345"
    # Markers that name no sensible range stay as written rather than vanish.
    assert chips("[3-1]") == "[3-1]"
    assert chips("[1-40]") == "[1-40]"
    assert chips("[1-2-3]") == "[1-2-3]"
    # A bracketed number followed by a URL is a link, not a citation.
    assert chips("[1](https://example.org/)") == "1"
    assert app_page.evaluate("() => [...document.querySelectorAll('#md-under-test a')].pop().href") == (
        "https://example.org/"
    )


def test_citation_titles_cannot_inject_markup(app_page: Page) -> None:
    hostile = [{"n": 1, "title": '"><img src=x onerror="window.xss=1">', "section": "<script>x</script>"}]
    out = render(app_page, "[1]", hostile)
    assert app_page.evaluate("() => document.querySelectorAll('#md-under-test img, #md-under-test script').length") == 0
    assert out["pwned"] is None
    label = app_page.evaluate("() => document.querySelector('#md-under-test .chip').getAttribute('aria-label')")
    assert label == 'Source 1: "><img src=x onerror="window.xss=1">, <script>x</script>'


# ------------------------------------------------------------------ URLs


def test_safe_url_and_external_link(app_page: Page, web_server) -> None:
    result = app_page.evaluate(
        """async () => {
            const { safeUrl, externalLink } = await import('/static/sanitize.js');
            const urls = ['https://www.cms.gov/x', 'HTTP://Example.org', '/api/docs', 'javascript:alert(1)',
              ' \\tjava\\nscript:alert(1)', 'data:text/html,x', 'blob:https://x/1', 'mailto:a@b.c', 'http://[bad'];
            const box = document.createElement('div');
            box.append(externalLink('javascript:alert(1)', 'bad'), externalLink('https://www.cms.gov/'));
            return { urls: urls.map(safeUrl), html: box.innerHTML };
        }"""
    )
    assert result["urls"] == [
        "https://www.cms.gov/x", "http://example.org/", f"{web_server.url}/api/docs", None, None, None, None, None, None,
    ]
    assert result["html"] == (
        '<span>bad</span><a href="https://www.cms.gov/" target="_blank" rel="noopener noreferrer">https://www.cms.gov/</a>'
    )


# ------------------------------------------------------------------ HTML sanitizer


def test_sanitizer_keeps_structure_and_drops_attributes(app_page: Page) -> None:
    out = sanitize(
        app_page,
        '<h2 id="x" class="c" style="color:red" onclick="x()">Title</h2><p>A <strong>b</strong> <em>c</em> '
        '<code>d</code><br>e</p><ul><li>one</li></ul><ol start="3" type="a"><li>three</li></ol>'
        '<table><tr><th align="right">h</th><td align="javascript:x" colspan="9">v</td></tr></table>'
        "<blockquote>q</blockquote><pre>p</pre>",
    )
    assert out["html"] == (
        "<h2>Title</h2><p>A <strong>b</strong> <em>c</em> <code>d</code><br>e</p><ul><li>one</li></ul>"
        '<ol start="3"><li>three</li></ol><table><tbody><tr><th align="right">h</th><td>v</td></tr></tbody></table>'
        "<blockquote>q</blockquote><pre>p</pre>"
    )


def test_sanitizer_unwraps_unknown_elements_and_drops_comments(app_page: Page) -> None:
    out = sanitize(app_page, '<div class="x"><section><font color="red">kept</font> text</section></div><!-- <b>c</b> -->')
    assert out["html"] == "kept text"


@pytest.mark.parametrize("payload", HOSTILE)
def test_sanitizer_drops_active_content(app_page: Page, payload: str) -> None:
    out = sanitize(app_page, f"<p>before</p>{payload}<p>after</p>")
    assert out["pwned"] is None
    assert not [a for a in out["attrs"] if "@on" in a or a.endswith("@style")], out["attrs"]
    assert not re.search(r"<(script|img|svg|iframe|details)\b", out["html"]), out["html"]
    assert "javascript:" not in out["html"] and "xss" not in out["text"]
    assert out["html"].startswith("<p>before</p>") and out["html"].endswith("<p>after</p>")


def test_sanitizer_drops_forms_media_and_embedded_documents(app_page: Page) -> None:
    out = sanitize(
        app_page,
        "<form action=/x><input value=i><button>b</button><textarea>t</textarea><select><option>o</option></select>"
        "</form><style>p{}</style><object data=x>o</object><embed src=x><video src=x></video><audio src=x></audio>"
        "<math><mi>m</mi></math><template><p>t</p></template><noscript><p>n</p></noscript><link rel=x href=y>"
        "<meta http-equiv=refresh content='0;url=javascript:x'><base href='javascript:x'><p>kept</p>",
    )
    assert out["html"] == "<p>kept</p>"


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("https://www.cms.gov/", "https://www.cms.gov/"),
        ("http://example.org", "http://example.org/"),
        ("#section", None),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("java&#x09;script:alert(1)", None),
        ("javascript&colon;alert(1)", None),
        ("&#14; javascript:alert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", None),
        ("vbscript:msgbox(1)", None),
    ],
)
def test_sanitizer_links(app_page: Page, href: str, kept: str | None) -> None:
    out = sanitize(app_page, f'<a href="{href}" onclick="x()" title="t">link</a>')
    if kept:
        assert out["html"] == f'<a href="{kept}" target="_blank" rel="noopener noreferrer">link</a>'
    else:
        assert out["html"] == "<a>link</a>"


def test_sanitizer_escapes_text(app_page: Page) -> None:
    out = sanitize(app_page, "<p>a &lt; b &amp;&amp; c &gt; d &lt;script&gt;x&lt;/script&gt;</p>")
    assert out["text"] == "a < b && c > d <script>x</script>"
    assert out["html"] == "<p>a &lt; b &amp;&amp; c &gt; d &lt;script&gt;x&lt;/script&gt;</p>"


def test_sanitizer_is_not_fooled_by_parser_differentials(app_page: Page) -> None:
    # Attribute values that look like closing tags, and markup inside raw-text elements, stay inert text or vanish.
    out = sanitize(
        app_page,
        '<p title="</p><img src=x onerror=window.xss=1>">t</p>'
        '<noscript><p title="</noscript><img src=x onerror=window.xss=2>"></noscript>'
        "<title><img src=x onerror=window.xss=3></title><xmp><img src=x onerror=window.xss=4></xmp>",
    )
    assert out["pwned"] is None
    assert "<img" not in out["html"]
    assert out["html"].startswith("<p>t</p>")
